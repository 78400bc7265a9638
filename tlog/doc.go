// Package tlog is the node's verifiable log: a Merkle tree of every accepted
// write, kept in the registry's own database with golang.org/x/mod/sumdb/tlog,
// so that a record and its log entry commit in one transaction.
//
// It provides the sequencer (Log.Append, which batches concurrent writes into
// one transaction and one signed checkpoint: group commit), receipts in the
// C2SP tlog-proof format, the C2SP tlog-tiles read API (Handler), and the
// offline checks used by `accord verify` and `accord log audit`.
//
// Formats: checkpoints are C2SP tlog-checkpoint signed notes (Ed25519,
// golang.org/x/mod/sumdb/note); tiles have height 8; entry bundles are
// big-endian uint16-length-prefixed entries, so one entry is at most 65535 bytes.
package tlog
