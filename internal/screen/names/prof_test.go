package names

import (
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"testing"
	"time"
)

func TestProfSearch(t *testing.T) {
	if os.Getenv("PROF") == "" {
		t.Skip()
	}
	persons := Synthetic(1, 200000)
	x := NewIndex()
	for i, p := range persons {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	qs := SyntheticQueries(2, persons, 5000)
	f, _ := os.Create("/tmp/search.prof")
	pprof.StartCPUProfile(f)
	var lat []time.Duration
	type slow struct {
		d time.Duration
		q string
	}
	var sl []slow
	for _, q := range qs {
		s := time.Now()
		x.Search(q.Query, 10)
		d := time.Since(s)
		lat = append(lat, d)
		sl = append(sl, slow{d, q.Name})
	}
	pprof.StopCPUProfile()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	sort.Slice(sl, func(i, j int) bool { return sl[i].d > sl[j].d })
	t.Logf("p50 %v p99 %v max %v", lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	for _, s := range sl[:15] {
		t.Logf("%v %q", s.d, s.q)
	}
}
