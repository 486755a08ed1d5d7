//go:build !unix

package main

func foreground() (restore func()) { return func() {} }
