package node

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/federation"
)

// newMirrorMetrics registers the mirror's metrics: entries stored and
// decoded per peer, failed passes, split views detected, and the number of
// alarms held (read from the store when scraped).
func newMirrorMetrics(reg *prometheus.Registry, store accord.Store) federation.MirrorMetrics {
	stored := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_mirror_entries_stored_total", Help: "Peers' log entries verified and stored by the mirror."}, []string{"peer"})
	indexed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_mirror_entries_decoded_total", Help: "Mirrored entries decoded into foreign records."}, []string{"peer"})
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_mirror_passes_failed_total", Help: "Mirror passes that failed (the peer is retried with backoff)."}, []string{"peer"})
	splits := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accord_split_views_detected_total", Help: "Split views detected (two signed checkpoints of one log that cannot both be true)."}, []string{"kind"})
	alarms := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "accord_alarms", Help: "Alarms held: evidence of a log showing two views (GET /v1/alarms)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var n int
		if err := store.View(ctx, func(tx accord.ReadTx) error {
			as, err := tx.Alarms(ctx, "")
			n = len(as)
			return err
		}); err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(stored, indexed, failed, splits, alarms)
	return federation.MirrorMetrics{
		Stored:  func(p string, n int) { stored.WithLabelValues(p).Add(float64(n)) },
		Indexed: func(p string, n int) { indexed.WithLabelValues(p).Add(float64(n)) },
		Failed:  func(p string) { failed.WithLabelValues(p).Inc() },
		Alarm:   func(k string) { splits.WithLabelValues(k).Inc() },
	}
}
