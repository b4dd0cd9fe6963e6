package names

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestProfOne(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	persons := Synthetic(1, 200000)
	x := NewIndex()
	for i, p := range persons {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	for _, name := range []string{"محمد نسشاوي", "ماجد مجي", "محمد الحسن", "Geeta Sharma", "Joaquín García", "고태연"} {
		q := Query{Name: name}
		qs := newSide(Analyze(q.Name))
		tot := 0
		for _, e := range x.expand(qs.names) {
			tot += len(e.list)
			t.Logf("  %d %s %.2f %d", e.part, e.key, e.weight, len(e.list))
		}
		s := time.Now()
		for i := 0; i < 20; i++ {
			x.Search(q, 10)
		}
		t.Logf("%s: %v per search, %d expansions total %d", name, time.Since(s)/20, len(x.expand(qs.names)), tot)
	}
}
