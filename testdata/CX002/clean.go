package cx002

import "time"

// go 1.24 module: unstopped tickers are collected, nothing is reported.
func tickInHelper() {
	for range time.Tick(time.Second) {
		return
	}
}

func unstopped() {
	t := time.NewTicker(time.Second)
	<-t.C
}
