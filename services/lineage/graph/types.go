package graph

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"time"
)

// Relation is how a derivative derives from its source. The values match
// stemma.lineage.v1.Relation, so that the zero value is not a relation.
type Relation int32

// The relations.
const (
	Adaptation Relation = iota + 1
	Translation
	Remix
	Fork
	Inclusion
	Copy
	Dependency
	Training
)

// Relations lists every relation, in the order of the proto enum.
var Relations = []Relation{Adaptation, Translation, Remix, Fork, Inclusion, Copy, Dependency, Training}

// Valid reports whether r is one of the relations.
func (r Relation) Valid() bool { return r >= Adaptation && r <= Training }

// Use is how a derivative uses its source's material. The values match
// stemma.licences.v1.Use.
type Use int32

// The uses.
const (
	UseIncorporate Use = iota + 1
	UseLinkStatic
	UseLinkDynamic
	UseAggregate
	UseNetworkService
	UseTraining
)

// Valid reports whether u is one of the uses.
func (u Use) Valid() bool { return u >= UseIncorporate && u <= UseTraining }

// Verdict is the answer of a licence check. The values match
// stemma.licences.v1.Verdict.
type Verdict int32

// The verdicts.
const (
	Compatible Verdict = iota + 1
	Incompatible
	Conditional
	Unknown
)

// Source is a public statement a licence rule rests on.
type Source struct {
	Title  string `json:"title,omitempty"`
	URL    string `json:"url,omitempty"`
	Clause string `json:"clause,omitempty"`
}

// Reason is one licence rule that contributed to a verdict.
type Reason struct {
	Rule     string   `json:"rule"`
	Message  string   `json:"message"`
	Verdict  Verdict  `json:"verdict"`
	Inbound  string   `json:"inbound,omitempty"`
	Outbound string   `json:"outbound,omitempty"`
	Sources  []Source `json:"sources,omitempty"`
}

// Check is the outcome of checking a source's licence (inbound) against a
// derivative's licence (outbound) for a use.
type Check struct {
	Verdict    Verdict  `json:"verdict"`
	Reasons    []Reason `json:"reasons,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
	Use        Use      `json:"use"`
	Inbound    string   `json:"inbound"`
	Outbound   string   `json:"outbound"`
}

// Derivation is an edge of the graph: Derivative derives from Source.
type Derivation struct {
	ID         string
	Derivative string // work id
	Source     string // work id
	Relation   Relation
	// Use is the use the licence check was made for, never unset once
	// recorded (see EffectiveUse).
	Use     Use
	Note    string
	Portion string
	// SourceLicence is the source's licence in force at SourceTime, and
	// DerivativeLicence the derivative's, as the catalog said when the
	// derivation was recorded; empty when a work had none.
	SourceLicence     string
	DerivativeLicence string
	// Conflict marks a derivation recorded with allow_conflict although
	// the licences conflict.
	Conflict   bool
	Check      Check
	Recorder   string
	CreateTime time.Time
	// SourceTime is when the derivative took the source's material; the
	// source is judged by its licence in force then. The create time when
	// the recorder did not say.
	SourceTime time.Time
}

// Etag returns the derivation's entity tag. Derivations never change, so it
// follows from what identifies one version: its id and creation time.
func (d *Derivation) Etag() string {
	sum := sha256.Sum256([]byte(d.ID + "\x00" + strconv.FormatInt(d.CreateTime.UnixMicro(), 10)))
	return etagEncoding.EncodeToString(sum[:10])
}

var etagEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Edge is the part of a derivation graph walks need.
type Edge struct {
	ID         string
	Derivative string
	Source     string
	Relation   Relation
}

// Direction is which way a walk follows derivations.
type Direction int

// The directions.
const (
	// Up goes from a derivative to its sources: ancestors.
	Up Direction = iota + 1
	// Down goes from a source to its derivatives: descendants.
	Down
)

// Reverse returns the other direction.
func (d Direction) Reverse() Direction {
	if d == Down {
		return Up
	}
	return Down
}

// From returns the end of e a walk in direction d leaves from.
func (d Direction) From(e Edge) string {
	if d == Down {
		return e.Source
	}
	return e.Derivative
}

// To returns the end of e a walk in direction d arrives at.
func (d Direction) To(e Edge) string {
	if d == Down {
		return e.Derivative
	}
	return e.Source
}

// Walk says which part of the graph a query covers: the works reachable
// from Root in Direction within MaxDepth derivations, following only the
// Relations given (all when empty), at most MaxNodes of them besides the
// root (no limit when zero).
type Walk struct {
	Root      string
	Direction Direction
	MaxDepth  int
	Relations []Relation
	// MaxNodes bounds the walk's width as MaxDepth bounds its depth: a
	// work with a hundred thousand descendants within two levels would
	// otherwise make one request hold and send them all.
	MaxNodes int
}

// RelationMask returns the walk's relations as a bit set (bit r set for
// relation r), all relations when none are given. Stores filter with it so
// that one SQL statement serves every filter.
func (w Walk) RelationMask() int64 {
	if len(w.Relations) == 0 {
		var all int64
		for _, r := range Relations {
			all |= 1 << r
		}
		return all
	}
	var m int64
	for _, r := range w.Relations {
		m |= 1 << r
	}
	return m
}
