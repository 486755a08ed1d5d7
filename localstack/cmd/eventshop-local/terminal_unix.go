//go:build unix

package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foreground makes this process the terminal's foreground process group,
// so that Ctrl-C interrupts only it: make and go run, which would report an
// interrupted stop as an error, keep waiting for its exit status instead.
// restore gives the terminal back. Without a terminal it does nothing.
func foreground() (restore func()) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return func() {}
	}
	fd := int(tty.Fd())
	was, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || was != unix.Getpgrp() {
		tty.Close()
		return func() {} // not in the foreground: nothing to hand over
	}
	// A process group that is not in the foreground is stopped by
	// SIGTTOU when it sets the terminal's foreground group.
	signal.Ignore(syscall.SIGTTOU)
	if unix.Setpgid(0, 0) != nil {
		tty.Close()
		return func() {}
	}
	if unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp()) != nil {
		_ = unix.Setpgid(0, was)
		tty.Close()
		return func() {}
	}
	return func() {
		_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, was)
		tty.Close()
	}
}
