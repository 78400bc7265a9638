package accord

// Receipt proves that an entry is in a node's log: its index, the entry
// itself, and a C2SP tlog-proof (c2sp.org/tlog-proof@v1) that carries the
// inclusion proof and the signed checkpoint covering the entry. Anyone with
// the node's public key can check it offline (`accord verify`).
type Receipt struct {
	Index int64  `json:"index"`
	Entry string `json:"entry"` // the entry's bytes: canonical JSON of a LogEvent
	Proof string `json:"proof"` // c2sp.org/tlog-proof@v1 text
}
