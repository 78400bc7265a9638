package node

import (
	"os"
	"time"
)

// envDuration reads a duration from the environment (0 when unset or not
// a duration): governance's intervals, which tests shorten.
func envDuration(name string) time.Duration {
	d, err := time.ParseDuration(os.Getenv(name))
	if err != nil {
		return 0
	}
	return d
}
