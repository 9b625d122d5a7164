// Package store keeps the catalog's works in SQLite or PostgreSQL: one
// implementation in one SQL dialect for both engines (see
// internal/storage), with per-engine migrations under migrations/ and, on
// PostgreSQL, COPY for bulk creates.
//
// Every write runs in one transaction, so a failed request leaves no
// trace; PostgreSQL's SERIALIZABLE transactions are retried when they lose
// a race, SQLite's single writer serialises them, and so concurrent
// updates of one work lose nothing. Every lookup and filter is served by
// an index (see the migrations), but title filters on SQLite and negations.
package store

import (
	"context"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/auth"
	"github.com/stemma-registry/stemma/services/internal/filter"
)

// Store keeps works, their licence history and their liens.
type Store interface {
	Reader
	Writer
}

// Reader answers questions about works.
type Reader interface {
	// Get returns the work with the id; NotFound if there is none.
	Get(ctx context.Context, id string) (*work.Work, error)
	// Version returns what the work's current version is, one small
	// indexed read for versioned cache keys; NotFound if there is none.
	Version(ctx context.Context, id string) (Version, error)
	// BatchGet returns the works with the ids that exist, by id; ids that
	// do not exist are absent from the map.
	BatchGet(ctx context.Context, ids []string) (map[string]*work.Work, error)
	// List returns a page of the works that match f (parsed against
	// FilterSchema; nil matches every work), oldest first, and the cursor
	// of the next page (0 on the last). InvalidArgument for a comparison
	// the store cannot evaluate.
	List(ctx context.Context, f filter.Expr, p Page) ([]*work.Work, int64, error)
	// Lookup returns a page of the works that carry the key, oldest first,
	// and the cursor of the next page.
	Lookup(ctx context.Context, k Key, p Page) ([]*work.Work, int64, error)
	// Similar returns a page of the works with an ISCC unit near one of
	// the query's, nearest first, then oldest first, and the cursor of the
	// next page. It reads a multi-index of the units' bands, never every
	// work.
	Similar(ctx context.Context, q SimilarQuery, p Page) ([]Match, int64, error)
	// LicenceChanges returns a page of the work's licence history in
	// effective-time order (the registration's entry first); NotFound if
	// the work does not exist.
	LicenceChanges(ctx context.Context, id string, p Page) ([]work.LicenceChange, int64, error)
	// LicenceEvents returns the outbox's licence events after the sequence
	// after, oldest first, at most limit: see Outbox.
	LicenceEvents(ctx context.Context, after int64, limit int) ([]work.LicenceEvent, error)
	// Liens returns a page of the work's liens, oldest first; NotFound if
	// the work does not exist.
	Liens(ctx context.Context, id string, p Page) ([]work.Lien, int64, error)
	// AsOf shows works read from the store as they were at t: each with
	// the licence in force then (its status, ids and effective time too).
	AsOf(ctx context.Context, ws []*work.Work, t time.Time) error
}

// Writer changes works. Each method is one transaction.
type Writer interface {
	// Create registers works owned by owner, all of them or none, and
	// returns them in order. A work whose request (owner, RequestID) was
	// seen before comes back as the first attempt made it. AlreadyExists
	// when a chosen id is taken (or chosen twice); InvalidArgument when a
	// request id comes back with other content.
	Create(ctx context.Context, owner string, ws []NewWork) ([]*work.Work, error)
	// Update changes the fields u names. NotFound, PermissionDenied when
	// the actor may not change the work, Aborted when the etag is stale.
	// A licence change enters the history at its effective time, and the
	// work's licence becomes the one in force now.
	Update(ctx context.Context, u Update) (*work.Work, error)
	// Delete deletes a work with its history, liens and request records.
	// NotFound, PermissionDenied (not the owner, or force without being an
	// admin), Aborted (stale etag), FailedPrecondition while liens hold
	// the work and force is false.
	Delete(ctx context.Context, d Delete) error
	// CreateLien places a lien. Creating a lien that exists with the same
	// origin returns it unchanged; with another origin it is
	// AlreadyExists. NotFound if the work does not exist.
	CreateLien(ctx context.Context, l work.Lien) (*work.Lien, error)
	// CreateLiens places liens in one transaction, as CreateLien places
	// each: all of them or none.
	CreateLiens(ctx context.Context, ls []work.Lien) ([]*work.Lien, error)
	// PromoteDue writes into their rows the licence changes that have come
	// due (dated in the future when recorded), at most limit works, each
	// with a new generation; it returns how many it wrote.
	PromoteDue(ctx context.Context, limit int) (int, error)
	// DeleteLien lifts a lien; NotFound if the work or the lien does not
	// exist.
	DeleteLien(ctx context.Context, workID, lienID string) error
}

// Version identifies one version of a work: its insertion sequence (which
// tells it from an earlier work with its id) and its generation.
type Version struct {
	Seq        int64
	Generation int64
	// LicencePending is when the next licence change takes effect (zero:
	// none is recorded). Once it has passed, the version's stored licence
	// is out of date until the promoter writes the change, which makes a
	// new generation.
	LicencePending time.Time
}

// Page asks for at most Size items after the cursor After (0: the first
// page).
type Page struct {
	After int64
	Size  int
}

func (p Page) limit() int { return max(p.Size, 1) }

// NewWork is one work to create.
type NewWork struct {
	// Work is the normalised work, its licence validated; an empty ID asks
	// the store to choose one.
	Work *work.Work
	// RequestID identifies the request per owner (AIP-155), empty for
	// none; Fingerprint is a digest of its content, to tell a retry from a
	// reuse of the id.
	RequestID   string
	Fingerprint string
	// Field prefixes the request's field names in errors ("" or
	// "requests[3].").
	Field string
}

// Update changes some fields of a work.
type Update struct {
	ID    string
	Actor auth.Principal
	// Etag, when set, must be the work's current etag.
	Etag string
	// Fields names the fields to copy from Values.
	Fields work.Fields
	Values *work.Work
	// For a licence change: why, and from when (zero: now).
	LicenceNote      string
	LicenceEffective time.Time
}

// Delete deletes a work.
type Delete struct {
	ID    string
	Actor auth.Principal
	Etag  string
	Force bool
}

// Key is what LookupWorks looks works up by: a digest or an identifier.
type Key struct {
	field termField
	term  string
}

// DigestKey looks works up by a normalised digest.
func DigestKey(digest string) Key { return Key{fieldDigest, termKey(digest)} }

// IdentifierKey looks works up by a normalised identifier.
func IdentifierKey(id work.Identifier) Key { return Key{fieldIdentifier, identifierTerm(id)} }
