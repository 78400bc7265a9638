package frameworks

import "embed"

// IncidentFS holds each framework's incident reporting duties
// (<id>/incidents.yaml), read by package incident. They sit beside the
// packs rather than in them, so that a pack's content hash, and with it
// every classification logged under it, is unchanged by them.
//
//go:embed */incidents.yaml
var IncidentFS embed.FS
