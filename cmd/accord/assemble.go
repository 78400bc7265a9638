package main

import (
	"context"

	"github.com/accord-gov/accord/node"
)

// parts holds what a node gets beyond the registry itself.
type parts struct{}

// assemble completes a node's configuration with the packages cmd/accord joins.
func assemble(cfg *node.Config) (*parts, error) { return &parts{}, nil }

func (p *parts) http(n *node.Node) node.HTTPOptions { return node.HTTPOptions{} }

func loadDemo(ctx context.Context, n *node.Node) (int, error) { return n.LoadDemo(ctx) }
