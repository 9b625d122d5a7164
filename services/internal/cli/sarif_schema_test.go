package cli

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var sarifSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	const url = "https://stemma.invalid/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
})

// validSARIF fails the test unless log is valid under the SARIF 2.1.0
// schema.
func validSARIF(t *testing.T, log string) {
	t.Helper()
	if err := checkSARIF(log); err != nil {
		t.Errorf("not SARIF 2.1.0: %v\n%s", err, log)
	}
}

func checkSARIF(log string) error {
	s, err := sarifSchema()
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(log)))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// The schema check can fail: logs that break SARIF 2.1.0 are refused.
func TestSARIFSchemaRejects(t *testing.T) {
	valid := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"stemma"}},"results":[{"message":{"text":"x"},"level":"error"}]}]}`
	if err := checkSARIF(valid); err != nil {
		t.Fatalf("a minimal valid log: %v", err)
	}
	for _, bad := range []string{
		`{"version":"2.0.0","runs":[]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"stemma"}},"results":[{"message":{"text":"x"},"level":"fatal"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"stemma"}},"results":[{"message":{"text":"x"},"ruleIndex":-2}]}]}`,
	} {
		if checkSARIF(bad) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
