package limit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestBucketsTake(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	b := NewBuckets(Rate{PerSecond: 10, Burst: 20}, 100, c.now)
	for i := range 20 {
		if ok, _ := b.Take("a", 1); !ok {
			t.Fatalf("take %d of a burst of 20 refused", i+1)
		}
	}
	ok, retry := b.Take("a", 1)
	if ok || retry != 100*time.Millisecond {
		t.Errorf("21st take = %v, retry %v; want refused, retry 100ms", ok, retry)
	}
	if ok, _ := b.Take("b", 1); !ok {
		t.Error("another key shares a's bucket")
	}
	c.advance(250 * time.Millisecond) // 2.5 tokens back
	for i := range 2 {
		if ok, _ := b.Take("a", 1); !ok {
			t.Errorf("take %d after refilling 2.5 refused", i+1)
		}
	}
	if ok, _ := b.Take("a", 1); ok {
		t.Error("took a third token after refilling 2.5")
	}
	c.advance(time.Hour)
	for range 20 {
		b.Take("a", 1)
	}
	if ok, _ := b.Take("a", 1); ok {
		t.Error("an idle hour filled the bucket past its burst")
	}
}

func TestBucketsCheckAndDrain(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	b := NewBuckets(Rate{PerSecond: 1, Burst: 3}, 100, c.now)
	if ok, _ := b.Check("ip", 1); !ok || b.Len() != 0 {
		t.Errorf("check of an unknown key = %v and kept %d buckets; want allowed, none kept", ok, b.Len())
	}
	for range 5 { // failures count even past empty
		b.Drain("ip", 1)
	}
	ok, retry := b.Check("ip", 1)
	if ok || retry != time.Second {
		t.Errorf("check after 5 failures on a burst of 3 = %v, retry %v; want refused, 1s", ok, retry)
	}
	c.advance(time.Second)
	if ok, _ := b.Check("ip", 1); !ok {
		t.Error("refused after refilling")
	}
	if ok, _ := b.Check("ip", 1); !ok {
		t.Error("Check took a token")
	}
}

func TestBucketsBounded(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	b := NewBuckets(Rate{PerSecond: 1, Burst: 2}, 1000, c.now)
	for i := range 10_000 {
		b.Take(fmt.Sprintf("10.0.%d.%d", i/256, i%256), 1)
	}
	if n := b.Len(); n > 1000 {
		t.Errorf("%d buckets kept, bound 1000", n)
	}
	// Idle clients are dropped on the next sweep.
	c.advance(2 * time.Minute)
	b.Take("new", 1)
	if n := b.Len(); n != 1 {
		t.Errorf("%d buckets kept after every other client idled, want 1", n)
	}
}

func TestUnlimited(t *testing.T) {
	b := NewBuckets(Rate{}, 10, nil)
	for range 1000 {
		if ok, _ := b.Take("a", 1); !ok {
			t.Fatal("an unlimited rate refused")
		}
	}
	var none *Buckets
	if ok, _ := none.Take("a", 1); !ok {
		t.Error("nil buckets refused")
	}
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	g := NewGate(2, 10*time.Millisecond)
	if !g.Enter(ctx) || !g.Enter(ctx) {
		t.Fatal("a gate of 2 refused one of the first two")
	}
	if g.Enter(ctx) {
		t.Fatal("a full gate let a third through")
	}
	// A waiter gets the slot given back while it waits.
	g2 := NewGate(1, time.Minute)
	g2.Enter(ctx)
	got := make(chan bool)
	go func() { got <- g2.Enter(ctx) }()
	g2.Leave()
	if !<-got {
		t.Error("a waiter did not get the slot given back")
	}
	// A waiter whose request ends gives up.
	cctx, cancel := context.WithCancel(ctx)
	go func() { got <- g2.Enter(cctx) }()
	cancel()
	if <-got {
		t.Error("a cancelled waiter got a slot that was never freed")
	}
	g.Leave()
	if !g.Enter(ctx) {
		t.Error("a slot given back was not free")
	}
	var none *Gate
	if !none.Enter(ctx) || NewGate(0, 0) != nil {
		t.Error("no bound refused")
	}
	none.Leave()
}
