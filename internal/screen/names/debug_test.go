package names

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestDebugCompare(t *testing.T) {
	p := os.Getenv("NAMES_DEBUG")
	if p == "" {
		t.Skip()
	}
	ab := strings.Split(p, "|")
	r := Compare(ab[0], ab[1], Evidence{}, Evidence{})
	b, _ := json.MarshalIndent(r, "", " ")
	t.Logf("%s\n%s / %s\n%s", b, Analyze(ab[0]), Analyze(ab[1]), "")
}
