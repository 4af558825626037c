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
		log.Fatal(err) // want "GR004: log.Fatal exits the process without running the deferred cancel\(\); return instead"
	}
	defer f.Close()
	_ = ctx
	if err := run(); err != nil {
		log.Fatal(err) // want "GR004: .*cancel\(\), f.Close\(\)"
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if err := run(); err != nil {
		os.Exit(1) // want "GR004: .*out.Flush\(\)"
	}
}
