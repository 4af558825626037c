package main

import (
	"bufio"
	"context"
	"log"
	"os"
)

func run() error { return nil }

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := os.Open("config")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	_ = ctx
	if err := run(); err != nil {
		log.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if err := run(); err != nil {
		os.Exit(1) // want "GR004: os.Exit exits the process without running the deferred out.Flush\(\) \(buffered output is lost\); return instead"
	}
}
