package node

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord-gov/accord/federation"
	"github.com/accord-gov/accord/tlog"
)

// randomName returns 16 random lower-case base32 characters.
func randomName() string {
	b := make([]byte, 10)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

func newLogMetrics(reg *prometheus.Registry) tlog.Metrics {
	batch := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "accord_log_batch_writes", Help: "Writes per log batch (group commit).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 13),
	})
	commit := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "accord_log_commit_seconds", Help: "Time to run and commit one log batch.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	appended := prometheus.NewCounter(prometheus.CounterOpts{Name: "accord_log_entries_appended_total", Help: "Log entries appended."})
	failed := prometheus.NewCounter(prometheus.CounterOpts{Name: "accord_log_batches_failed_total", Help: "Log batches that failed to commit."})
	reg.MustRegister(batch, commit, appended, failed)
	return tlog.Metrics{
		BatchSize:   func(n int) { batch.Observe(float64(n)) },
		CommitTime:  func(d time.Duration) { commit.Observe(d.Seconds()) },
		Appended:    func(n int) { appended.Add(float64(n)) },
		FailedBatch: failed.Inc,
	}
}

func newFederationMetrics(reg *prometheus.Registry) federation.Metrics {
	witnessed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_witness_requests_total", Help: "add-checkpoint requests our witness answered, by status."}, []string{"status"})
	cosigned := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "accord_cosignature_seconds", Help: "Time from signing a checkpoint to holding a witness's cosignature of it.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"witness"})
	quorum := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "accord_cosignature_quorum_seconds", Help: "Time from signing a checkpoint to holding a quorum of the default policy's cosignatures.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_cosign_submissions_failed_total", Help: "Submissions of our checkpoints that a witness did not cosign."}, []string{"witness"})
	reg.MustRegister(witnessed, cosigned, quorum, failed)
	return federation.Metrics{
		Witnessed:    func(status int) { witnessed.WithLabelValues(strconv.Itoa(status)).Inc() },
		Cosigned:     func(w string, d time.Duration) { cosigned.WithLabelValues(w).Observe(d.Seconds()) },
		Quorum:       func(d time.Duration) { quorum.Observe(d.Seconds()) },
		SubmitFailed: func(w string) { failed.WithLabelValues(w).Inc() },
	}
}
