package work

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// Kind is what kind of work a work is. The values follow the API's
// numbering.
type Kind int

// The kinds.
const (
	KindUnspecified Kind = iota
	Software
	Text
	Image
	Audio
	Video
	Dataset
	Model
	Other
)

var kindNames = [...]string{"UNSPECIFIED", "SOFTWARE", "TEXT", "IMAGE", "AUDIO", "VIDEO", "DATASET", "MODEL", "OTHER"}

// String returns the kind's name as filters spell it ("SOFTWARE").
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "UNSPECIFIED"
	}
	return kindNames[k]
}

// Valid reports whether k is one of the kinds a work may have.
func (k Kind) Valid() bool { return k > KindUnspecified && k <= Other }

// KindNames lists the kinds a work may have, as filters spell them.
func KindNames() []string { return append([]string(nil), kindNames[1:]...) }

// KindFromName returns the kind a filter names ("SOFTWARE").
func KindFromName(name string) (Kind, bool) {
	for i, n := range kindNames[1:] {
		if n == name {
			return Kind(i + 1), true
		}
	}
	return KindUnspecified, false
}

// LicenceStatus says whether Stemma can reason about a work's licence. The
// values follow the API's numbering.
type LicenceStatus int

// The licence statuses.
const (
	LicenceStatusUnspecified LicenceStatus = iota
	// LicenceNone: the work has no licence expression.
	LicenceNone
	// LicenceKnown: every licence in the expression is on the SPDX list.
	LicenceKnown
	// LicenceUnknown: the expression names a LicenseRef-, DocumentRef- or
	// AdditionRef- reference whose terms Stemma does not know (a LicenseRef-
	// it models, such as an AI model licence, counts as known).
	LicenceUnknown
)

// Creator is a person or organisation who made a work.
type Creator struct {
	Name string `json:"name"`
	Role string `json:"role,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// Identifier is a work's identifier in another system.
type Identifier struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Key returns what the identifier is indexed and looked up by: its value,
// except for a SWHID, whose qualifiers (origin, path, lines) do not change
// which content it names.
func (id Identifier) Key() string {
	if id.Type == SWHID {
		core, _, _ := strings.Cut(id.Value, ";")
		return core
	}
	return id.Value
}

// Licence is a validated licence expression: what the licences service
// made of what a client wrote.
type Licence struct {
	// Expression is the canonical form; empty when the work has none.
	Expression string
	// IDs are the licence identifiers the expression names, sorted and
	// without duplicates, for the licence_id filter.
	IDs    []string
	Status LicenceStatus
	// Effective is when the licence took effect; zero for the licence the
	// work was registered with, which holds from the start of its record.
	Effective time.Time `json:",omitzero"`
}

// DeclaredLicence is one licence statement as a work's source wrote it (an
// SBOM's licence name, URL, text or expression), with what it was resolved
// to. It is kept beside the concluded Licence, which verdicts use, so that
// a resolution can be checked and nothing the source said is lost.
type DeclaredLicence struct {
	Statement  string  `json:"s"`
	Method     string  `json:"m"`
	Expression string  `json:"e,omitempty"`
	Confidence float64 `json:"c,omitempty"`
}

// Work is an intellectual work.
type Work struct {
	ID          string
	Kind        Kind
	Title       string
	Description string
	Creators    []Creator
	SourceURIs  []string
	Identifiers []Identifier
	Digests     []string
	Version     string
	Licence     Licence
	Owner       string

	DeclaredLicences []DeclaredLicence
	// ISCCCodes are the content's ISCC codes, canonical, each with at
	// least one unit the similarity index compares.
	ISCCCodes []string

	// LicencePending is the effective time of the next licence change
	// still to come after Licence took effect; zero when none is.
	LicencePending time.Time `json:",omitzero"`

	// Seq is the store's insertion sequence: it orders works oldest first
	// and tells apart two works that had the same id at different times.
	Seq int64
	// Generation counts the writes to the work; every write increments
	// it. With Seq it makes the etag and the cache key.
	Generation int64
	CreateTime time.Time
	UpdateTime time.Time
}

// LicenceDue reports whether a licence change recorded for the future has
// come due at now: the work's stored licence is then out of date.
func (w *Work) LicenceDue(now time.Time) bool {
	return !w.LicencePending.IsZero() && !w.LicencePending.After(now)
}

var etagEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// Etag returns the work's entity tag. It changes with every write and
// differs between a deleted work and a new one registered under its id.
// It is a digest, so that clients treat it as opaque.
func (w *Work) Etag() string { return Etag(w.Seq, w.Generation) }

// Etag returns the entity tag of the work with the given sequence and
// generation.
func Etag(seq, generation int64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(seq))
	binary.BigEndian.PutUint64(b[8:], uint64(generation))
	d := sha256.Sum256(b[:])
	return etagEncoding.EncodeToString(d[:10])
}

// LicenceChange is one entry of a work's licence history.
type LicenceChange struct {
	Licence         string
	PreviousLicence string
	EffectiveTime   time.Time
	RecordTime      time.Time
	Actor           string
	Note            string
}

// LicenceEvent is a licence change as the catalog's outbox publishes it:
// an id that stays the event's everywhere it is relayed, and the outbox's
// sequence, in commit order.
type LicenceEvent struct {
	ID     string
	Seq    int64
	WorkID string
	Change LicenceChange
}

// Lien holds a work: while it stands, the work cannot be deleted.
type Lien struct {
	WorkID     string
	ID         string
	Origin     string
	Reason     string
	Creator    string
	CreateTime time.Time
}
