package lineageservice_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	catalogv1 "github.com/stemma-registry/stemma/proto/stemma/catalog/v1"
	lineagev1 "github.com/stemma-registry/stemma/proto/stemma/lineage/v1"
	"github.com/stemma-registry/stemma/services/internal/app/apptest"
	"github.com/stemma-registry/stemma/services/lineage/internal/lineagetest"
)

// Issue 15's "done when", the time part, over REST (the as_of reads also
// over gRPC), on SQLite and on PostgreSQL: Terraform registered MPL-2.0 and
// relicensed to BUSL-1.1 effective 2023-08-10; OpenTofu (MPL-2.0), a fork
// taken 2023-08-09, is accepted and its audit is clean but says upstream
// relicensed; an MPL-2.0 fork taken 2023-09-01 is refused as a conflict.
func TestTerraformRelicensing(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := apptest.Config(t)
			if engine == "postgres" {
				cfg.DatabaseURL = lineagetest.Database(t)
			}
			terraform(t, start(t, cfg))
		})
	}
}

func terraform(t *testing.T, s *suite) {
	key := apptest.AliceKey
	tf := s.work(t, key, "terraform", "SOFTWARE", "MPL-2.0")
	var w catalogv1.Work
	s.ok(t, "PATCH", "/v1/"+tf+"?updateMask=licence&licenceEffectiveTime=2023-08-10T00:00:00Z&licenceChangeNote=HashiCorp+adopts+the+BSL",
		key, `{"licence":"BUSL-1.1"}`, &w)
	if w.GetLicence() != "BUSL-1.1" || w.GetLicenceEffectiveTime().AsTime() != time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("Terraform after the relicensing = %v", &w)
	}
	s.ok(t, "GET", "/v1/"+tf+"?asOf=2023-08-09T12:00:00Z", "", "", &w)
	if w.GetLicence() != "MPL-2.0" || w.GetLicenceEffectiveTime() != nil {
		t.Fatalf("Terraform as of 2023-08-09 = %v", &w)
	}
	got, err := s.catalog.GetWork(context.Background(), &catalogv1.GetWorkRequest{Name: tf, AsOf: ts("2023-08-10T00:00:00Z")})
	if err != nil || got.GetLicence() != "BUSL-1.1" {
		t.Fatalf("GetWork as of 2023-08-10 over gRPC = %v, %v", got, err)
	}
	var list catalogv1.ListWorksResponse
	s.ok(t, "GET", "/v1/works?asOf=2020-01-01T00:00:00Z", "", "", &list)
	if len(list.GetWorks()) != 1 || list.GetWorks()[0].GetLicence() != "MPL-2.0" {
		t.Fatalf("works as of 2020 = %v", &list)
	}

	tofu := s.work(t, key, "opentofu", "SOFTWARE", "MPL-2.0")
	var fork lineagev1.Derivation
	s.ok(t, "POST", "/v1/derivations", key, `{"derivative":"`+tofu+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2023-08-09T00:00:00Z"}`, &fork)
	if fork.GetConflict() || fork.GetSourceLicence() != "MPL-2.0" || fork.GetSourceTime().AsTime() != time.Date(2023, 8, 9, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("OpenTofu's fork = %v", &fork)
	}

	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+tofu+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 0 || audit.GetDerivationsChecked() != 1 || len(audit.GetRelicensed()) != 1 {
		t.Fatalf("OpenTofu's audit = %v", &audit)
	}
	r := audit.GetRelicensed()[0]
	if r.GetDerivation() != fork.GetName() || r.GetSource() != tf || r.GetDerivative() != tofu || r.GetFromLicence() != "MPL-2.0" ||
		r.GetToLicence() != "BUSL-1.1" || r.GetEffectiveTime().AsTime() != time.Date(2023, 8, 10, 0, 0, 0, 0, time.UTC) ||
		strings.Join(r.GetPath(), " ") != tofu {
		t.Fatalf("the relicensing OpenTofu's audit reports = %v", r)
	}
	var credits lineagev1.Attribution
	s.ok(t, "GET", "/v1/"+tofu+"/attribution", "", "", &credits)
	if len(credits.GetCredits()) != 1 || credits.GetCredits()[0].GetLicence() != "MPL-2.0" {
		t.Fatalf("OpenTofu's attribution = %v", &credits)
	}

	late := s.work(t, key, "late-fork", "SOFTWARE", "MPL-2.0")
	e := s.fails(t, "POST", "/v1/derivations", key, `{"derivative":"`+late+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2023-09-01T00:00:00Z"}`,
		http.StatusBadRequest, "LICENCE_CONFLICT")
	if e.metadata("inbound") != "BUSL-1.1" || e.metadata("verdict") != "VERDICT_INCOMPATIBLE" {
		t.Fatalf("the late fork was refused with %+v", e)
	}

	s.fails(t, "POST", "/v1/derivations", key, `{"derivative":"`+late+`","source":"`+tf+`","relation":"RELATION_FORK","sourceTime":"2999-01-01T00:00:00Z"}`,
		http.StatusBadRequest, "")
	s.fails(t, "GET", "/v1/"+tf+"?asOf=yesterday", "", "", http.StatusBadRequest, "")
}

func ts(rfc3339 string) *timestamppb.Timestamp {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err)
	}
	return timestamppb.New(t)
}

// Issue 18: the audit of a fine-tune kept under its base model's Llama
// licence lists the derivation as conditional, with the verdict's
// conditions; it is not a conflict.
func TestAuditListsConditions(t *testing.T) {
	s := start(t, apptest.Config(t))
	key := apptest.AliceKey
	base := s.work(t, key, "llama", "MODEL", "LicenseRef-Llama-3.1")
	tune := s.work(t, key, "tune", "MODEL", "LicenseRef-Llama-3.1")
	d := s.derive(t, key, tune, base, "ADAPTATION", "")
	var audit lineagev1.AuditWorkResponse
	s.ok(t, "GET", "/v1/"+tune+":audit", "", "", &audit)
	if len(audit.GetConflicts()) != 0 || len(audit.GetConditional()) != 1 {
		t.Fatalf("the fine-tune's audit = %v", &audit)
	}
	c := audit.GetConditional()[0]
	if c.GetDerivation() != d.GetName() || c.GetSource() != base || c.GetDerivative() != tune ||
		len(c.GetCheck().GetConditions()) == 0 || strings.Join(c.GetPath(), " ") != tune {
		t.Fatalf("the conditional derivation = %v", c)
	}
	t.Logf("conditions: %q", c.GetCheck().GetConditions())
}
