package web

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func mkdirTemp() (string, error) { return os.MkdirTemp("", "accord-web-test-") }

// TestMain closes the shared demo node after the tests.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared != nil {
		shared.Server.Close()
		shared.Close()
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}
