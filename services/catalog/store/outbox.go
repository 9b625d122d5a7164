package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/stemma-registry/stemma/services/catalog/work"
	"github.com/stemma-registry/stemma/services/internal/storage"
)

// outboxBody is an outbox row's body: the change, in a form that later
// fields can join without a migration.
type outboxBody struct {
	Licence         string `json:"licence"`
	PreviousLicence string `json:"previousLicence"`
	EffectiveUs     int64  `json:"effectiveUs"`
	Actor           string `json:"actor"`
	Note            string `json:"note"`
}

// appendOutbox writes e to the outbox in the transaction that made the
// change. The sequence comes from the one-row counter: the update makes
// concurrent licence changes conflict (SERIALIZABLE on PostgreSQL, the one
// writer on SQLite), so numbers are given in commit order, without gaps.
func appendOutbox(ctx context.Context, tx *sql.Tx, e work.LicenceEvent) error {
	var seq int64
	if err := tx.QueryRowContext(ctx, "UPDATE outbox_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq").Scan(&seq); err != nil {
		return fmt.Errorf("outbox sequence: %w", err)
	}
	body, err := json.Marshal(outboxBody{Licence: e.Change.Licence, PreviousLicence: e.Change.PreviousLicence,
		EffectiveUs: storage.Micros(e.Change.EffectiveTime), Actor: e.Change.Actor, Note: e.Change.Note})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO outbox (seq, id, work, body, record_us) VALUES ($1, $2, $3, $4, $5)",
		seq, e.ID, e.WorkID, string(body), storage.Micros(e.Change.RecordTime))
	if err != nil {
		return fmt.Errorf("insert into outbox: %w", err)
	}
	return nil
}

// LicenceEvents reads the outbox. It reads the primary: a replica behind
// it would only delay the relay, but one that reads its own position from
// elsewhere must not see a sequence go missing.
func (s *SQL) LicenceEvents(ctx context.Context, after int64, limit int) ([]work.LicenceEvent, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT seq, id, work, body, record_us FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
		after, max(limit, 1))
	if err != nil {
		return nil, s.db.Classify(err)
	}
	defer rows.Close()
	var out []work.LicenceEvent
	for rows.Next() {
		var (
			e        work.LicenceEvent
			body     string
			recordUs int64
			b        outboxBody
		)
		if err := rows.Scan(&e.Seq, &e.ID, &e.WorkID, &body, &recordUs); err != nil {
			return nil, s.db.Classify(err)
		}
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			return nil, fmt.Errorf("outbox row %d: %w", e.Seq, err)
		}
		e.Change = work.LicenceChange{Licence: b.Licence, PreviousLicence: b.PreviousLicence,
			EffectiveTime: storage.FromMicros(b.EffectiveUs), RecordTime: storage.FromMicros(recordUs), Actor: b.Actor, Note: b.Note}
		out = append(out, e)
	}
	return out, s.db.Classify(rows.Err())
}
