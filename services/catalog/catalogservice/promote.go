package catalogservice

import (
	"context"
	"log/slog"
	"time"

	"github.com/stemma-registry/stemma/services/catalog/store"
)

// promoteBatch bounds the works one round promotes before it looks again.
const promoteBatch = 200

// Promote writes licence changes into their works' rows as they come due,
// looking every interval, until ctx ends. Reads settle a due change from
// the history at once; the interval only bounds how long a licence filter
// (which reads the rows) may see the licence before the change. Every
// replica may run it: a change is promoted once, in a transaction that a
// concurrent promotion of the same work loses.
func Promote(ctx context.Context, s store.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for {
			n, err := s.PromoteDue(ctx, promoteBatch)
			if err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, "licence changes due not promoted; reads still show them, licence filters lag until the next round", "err", err)
			}
			if n > 0 {
				log.InfoContext(ctx, "licence changes took effect", "works", n)
			}
			if err != nil || n < promoteBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
