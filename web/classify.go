package web

import (
	"context"
	"time"

	"github.com/accord-gov/accord"
	"github.com/accord-gov/accord/registry"
	"github.com/accord-gov/accord/rules"
)

// serviceClassifier gives the UI the registry's classifications: each
// version classified as of the day it was filed (what its log entry
// records, while the packs are unchanged), and previews as of today.
type serviceClassifier struct {
	svc *registry.Service
	now func() time.Time
}

func (s serviceClassifier) Classification(ctx context.Context, c *registry.Caller, id string, version int) (*Classification, error) {
	v, err := s.svc.Classification(ctx, c, id, version, time.Time{})
	if err != nil {
		return nil, err
	}
	return &Classification{Result: v.Result, LogIndex: v.LogIndex, PacksChanged: v.PacksChanged}, nil
}

func (s serviceClassifier) Preview(ctx context.Context, f accord.Filing) (*rules.Result, error) {
	return s.svc.Preview(f, s.now())
}

func (s serviceClassifier) Packs() []*rules.Pack { return s.svc.Packs() }
