// Package events holds Stemma's change events (docs/events.md): what
// changed a verdict (a licence change, a derivation recorded or deleted, a
// curation accepted), in one log with one sequence, and the subscriptions
// that follow a part of it.
package events

import (
	"slices"
	"time"

	"github.com/stemma-registry/stemma/services/lineage/graph"
)

// Kind is what an event reports. The values match
// stemma.lineage.v1.EventKind.
type Kind int

// The kinds.
const (
	LicenceChanged Kind = iota + 1
	DerivationCreated
	DerivationDeleted
	CurationAccepted
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k >= LicenceChanged && k <= CurationAccepted }

// KindMask is a set of kinds, bit k for kind k; zero means every kind.
type KindMask int64

// MaskOf returns the set of the kinds.
func MaskOf(ks []Kind) KindMask {
	var m KindMask
	for _, k := range ks {
		m |= 1 << k
	}
	return m
}

// Has reports whether the set holds k; the empty set holds every kind.
func (m KindMask) Has(k Kind) bool { return m == 0 || m&(1<<k) != 0 }

// Kinds lists the set's kinds, none for the empty set.
func (m KindMask) Kinds() []Kind {
	var out []Kind
	for k := LicenceChanged; k <= CurationAccepted; k++ {
		if m&(1<<k) != 0 {
			out = append(out, k)
		}
	}
	return out
}

// LicenceChange is a work's licence change, as the catalog recorded it.
type LicenceChange struct {
	Work            string // the work's id
	Licence         string
	PreviousLicence string
	EffectiveTime   time.Time
	Actor           string
	Note            string
}

// Event is one change. ID is the event's identity wherever it travels:
// a subscriber that sees an ID twice sees the same event twice. Seq is its
// place in the log, set when the log takes it.
type Event struct {
	ID   string
	Seq  int64
	Kind Kind
	Time time.Time // when the change was recorded
	// One of these, by kind.
	Licence    *LicenceChange
	Derivation *graph.Derivation
	Curation   *Curation
}

// Curation is an accepted licence curation of a work.
type Curation struct {
	Name    string // curations/{id}
	Work    string // the work's id; empty for a curation of package versions only
	Licence string
}

// Works returns the ids of the works the event is about.
func (e *Event) Works() []string {
	switch {
	case e.Licence != nil:
		return []string{e.Licence.Work}
	case e.Derivation != nil:
		return []string{e.Derivation.Derivative, e.Derivation.Source}
	case e.Curation != nil && e.Curation.Work != "":
		return []string{e.Curation.Work}
	}
	return nil
}

// Scope is which works around a subscription's target it follows. The
// values match stemma.lineage.v1.Subscription.Scope.
type Scope int

// The scopes.
const (
	ScopeWork Scope = iota + 1
	ScopeAncestors
	ScopeDescendants
)

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return s >= ScopeWork && s <= ScopeDescendants }

// Direction is the way a walk from the target goes to find the scope's
// works: up for its ancestors, down for its descendants.
func (s Scope) Direction() graph.Direction {
	if s == ScopeDescendants {
		return graph.Down
	}
	return graph.Up
}

// Filter selects the events a watcher or subscription follows: those of
// the kinds, about any of the works (the target and, by the scope, its
// ancestors or descendants as the graph is when the event is matched).
type Filter struct {
	Kinds KindMask
	Works map[string]bool
}

// Match reports whether the filter selects e.
func (f Filter) Match(e *Event) bool {
	return f.Kinds.Has(e.Kind) && slices.ContainsFunc(e.Works(), func(w string) bool { return f.Works[w] })
}

// Subscription follows a target work's events, on the watch stream and,
// with a WebhookURL, by webhook.
type Subscription struct {
	ID         string
	Owner      string // the principal that created it
	Work       string // the target work's id
	Scope      Scope
	Kinds      KindMask
	WebhookURL string
	Secret     string // signs webhook bodies; never shown after creation
	CreateTime time.Time
	// The webhook's progress: the sequence of the last event handled
	// (delivered, dead-lettered, or not selected), the failed attempts at
	// the next one and when to try it again.
	Cursor      int64
	Failures    int
	NextAttempt time.Time
}

// DeliveryState is how one webhook attempt ended. The values match
// stemma.lineage.v1.Delivery.State.
type DeliveryState int

// The delivery states.
const (
	Delivered    DeliveryState = iota + 1
	Failed                     // to be retried
	DeadLettered               // failed for the last time; the webhook moved on
)

// Delivery is one attempt at delivering an event to a webhook.
type Delivery struct {
	Seq          int64 // the delivery log's order
	Subscription string
	EventID      string
	EventSeq     int64
	Attempt      int
	State        DeliveryState
	HTTPStatus   int
	Error        string
	Time         time.Time
}
