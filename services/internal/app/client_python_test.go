package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stemma-registry/stemma/services/internal/testenv"
)

// The Python client tests run Debian's interpreter, whose packages `make
// python-clients` installs with apt: PyPI is out of reach where Stemma is
// built, and a pyenv python3 earlier on PATH has none of them.
// STEMMA_TEST_PYTHON names another interpreter.
const defaultPython = "/usr/bin/python3"

// python returns an interpreter that imports every module named.
func python(t *testing.T, modules ...string) string {
	t.Helper()
	py := os.Getenv("STEMMA_TEST_PYTHON")
	if py == "" {
		py = defaultPython
	}
	if _, err := exec.LookPath(py); err != nil {
		testenv.Unavailable(t, "a Python interpreter at "+py+" (make python-clients installs it)", err)
	}
	for _, m := range modules {
		if out, err := exec.Command(py, "-c", "import "+m).CombinedOutput(); err != nil {
			testenv.Unavailable(t, "Python module "+m+" (make python-clients installs it)", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)))
		}
	}
	return py
}

// labelled reads the `LABEL <JSON>` lines the example clients print into
// one value per label.
func labelled(t *testing.T, out string) map[string]map[string]any {
	t.Helper()
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got[label] = v
	}
	return got
}
