package sqldb

import (
	"strings"
	"testing"
	"time"
)

// TestEventIDsGrowWithTime: new event IDs sort by their time (so that the
// unique index takes them at its end), are distinct at the same instant,
// and fit the API's 64 characters.
func TestEventIDsGrowWithTime(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	var ids []string
	seen := map[string]bool{}
	for i := range 1000 {
		id := eventID(t0.Add(time.Duration(i/2) * time.Microsecond)) // two at each instant
		if seen[id] || !strings.HasPrefix(id, "evt_") || len(id) > 64 {
			t.Fatalf("id %q (repeated: %v)", id, seen[id])
		}
		seen[id] = true
		ids = append(ids, id)
	}
	for i := 2; i < len(ids); i += 2 {
		if ids[i] <= max(ids[i-1], ids[i-2]) {
			t.Fatalf("%s (later) sorts before %s", ids[i], max(ids[i-1], ids[i-2]))
		}
	}
}
