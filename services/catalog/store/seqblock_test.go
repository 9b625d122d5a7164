package store

import (
	"context"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/storage/storagetest"
)

// The bulk path hands out seqBlock values per value of the works
// sequence; a sequence with another step would give two works one seq.
func TestSequenceStepIsSeqBlock(t *testing.T) {
	db := storagetest.OpenPostgres(t, Service, Migrations())
	var step int64
	err := db.Reader().QueryRowContext(context.Background(),
		"SELECT increment_by FROM pg_sequences WHERE schemaname = current_schema() AND sequencename = $1", "works_seq_seq").Scan(&step)
	if err != nil || step != seqBlock {
		t.Fatalf("works sequence step = %d, %v; want %d (seqBlock)", step, err, seqBlock)
	}
}
