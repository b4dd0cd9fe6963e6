package names

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestAnalyzeScripts checks the romanisation of names in each supported
// script.
func TestAnalyzeScripts(t *testing.T) {
	tests := []struct {
		script, in, want string
	}{
		{"Latin", "José María Müller-Lüdenscheidt", "jose maria muller ludenscheidt"},
		{"Latin letters without decomposition", "Łukasz Ørsted Straße", "lukasz orsted strasse"},
		{"Cyrillic Russian", "Муаммар Каддафи", "muammar kaddafi"},
		{"Cyrillic Russian soft sign", "Игорь Сечин", "igor sechin"},
		{"Cyrillic Ukrainian", "Володимир Зеленський", "volodymyr zelenskyy"},
		{"Cyrillic Ukrainian h", "Григорій", "hryhoriy"},
		{"Cyrillic Serbian", "Ђорђе Јовановић", "djordje jovanovic"},
		{"Greek", "Γιώργος Παπαδόπουλος", "giorgos papadopoulos"},
		{"Arabic", "محمد الحسن", "mhmd al hsn"},
		{"Arabic ain and waw", "علي يوسف", "ali yusf"},
		{"Persian", "پرویز", "pruiz"},
		{"Persian nisba", "حسین موسوی", "hsin muswi"},
		{"Hebrew", "משה כהן", "msha kehn"},
		{"Han", "习近平", "xi jinping"},
		{"Han with space", "王 伟", "wang wei"},
		{"Hangul", "김정은", "gim jeongeun"},
		{"Hiragana", "たなか ひろし", "tanaka hiroshi"},
		{"Katakana with small kana", "キョウコ", "kyouko"},
		{"Thai leading vowel", "เดช", "dech"},
		{"Devanagari", "राहुल शर्मा", "rahul sharma"},
		{"Bengali", "মোহাম্মদ", "mohammad"},
		{"Armenian", "Արամ", "aram"},
		{"Georgian", "გიორგი", "giorgi"},
		{"Ethiopic", "አሕመድ", "ahmad"},
		{"apostrophes", "Mu’tassim Yahya ‘Ali", "mutassim yahya ali"},
	}
	for _, tc := range tests {
		t.Run(tc.script, func(t *testing.T) {
			if got := Analyze(tc.in).String(); got != tc.want {
				t.Errorf("Analyze(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestAnalyzeKinds checks titles and particles.
func TestAnalyzeKinds(t *testing.T) {
	a := Analyze("Sheikh Usama bin Muhammad al-Ladin Jr.")
	kinds := map[string]Kind{}
	for _, tk := range a.Tokens {
		kinds[tk.Text] = tk.Kind
	}
	want := map[string]Kind{"sheikh": KindTitle, "usama": KindName, "bin": KindParticle, "muhammad": KindName, "al": KindParticle, "ladin": KindName, "jr": KindTitle}
	for w, k := range want {
		if kinds[w] != k {
			t.Errorf("%s: kind %d, want %d (%v)", w, kinds[w], k, a.Tokens)
		}
	}
	// A Chinese syllable that is also a Romance particle stays a name.
	if toks := Analyze("王达").Tokens; len(toks) != 2 || toks[1].Kind != KindName {
		t.Errorf("王达: %v", toks)
	}
}

// TestSkeleton checks that transliteration variants share a key and
// different names do not.
func TestSkeleton(t *testing.T) {
	same := [][]string{
		{"qaddafi", "gaddafi", "kadhafi", "gadhafi"},
		{"shoigu", "schoigu"},
		{"ahmed", "ahmet"},
		{"jamal", "djamal", "dzhamal"},
		{"vahid", "wahid"},
		{"hassan", "hasan"},
		{"mohammed", "muhammad", "mhmd"},
	}
	for _, g := range same {
		for _, w := range g[1:] {
			if Skeleton(w) != Skeleton(g[0]) {
				t.Errorf("Skeleton(%s) = %s, Skeleton(%s) = %s", w, Skeleton(w), g[0], Skeleton(g[0]))
			}
		}
	}
	for _, d := range [][2]string{{"iordanova", "iotova"}, {"orban", "orbach"}, {"mbappe", "mbembe"}} {
		if Skeleton(d[0]) == Skeleton(d[1]) {
			t.Errorf("Skeleton(%s) = Skeleton(%s) = %s", d[0], d[1], Skeleton(d[0]))
		}
	}
}

// TestCompareVariations is table-driven over the kinds of variation the
// engine must accept and the differences it must refuse.
func TestCompareVariations(t *testing.T) {
	match := []struct{ kind, a, b string }{
		{"identical", "Olaf Scholz", "Olaf Scholz"},
		{"case and diacritics", "VIKTOR ORBÁN", "Viktor Orban"},
		{"reordered", "SALEK, ABDULHAI", "ABDULHAI SALEK"},
		{"typo", "Justin Trudoau", "Justin Trudeau"},
		{"transposition", "ADBUL BARI AKHUND", "ABDUL BARI AKHUND"},
		{"equivalent romanisation", "Mohammed Hussein", "Muhammad Husayn"},
		{"equivalent across languages", "Aleksandr Lukashenko", "Alexander Lukashenko"},
		{"phonetic", "Muammar Qaddafi", "Muammar Gaddafi"},
		{"Cyrillic to Latin", "Муаммар Каддафи", "Muammar Kaddafi"},
		{"Ukrainian to Latin", "Володимир Зеленський", "Volodymyr Zelenskyy"},
		{"Greek to Latin", "Γιώργος Παπαδόπουλος", "Giorgos Papadopoulos"},
		{"Arabic to Latin", "محمد حسن", "Mohammed Hassan"},
		{"Han to Latin", "习近平", "Xi Jinping"},
		{"Hangul to Latin", "김정은", "Kim Jong Un"},
		{"Devanagari to Latin", "राहुल शर्मा", "Rahul Sharma"},
		{"Persian to Latin", "حسین موسوی", "Hossein Mousavi"},
		{"Arabic article and compound", "عبد الرحمن", "Abdul Rahman"},
		{"Arabic with particle", "أسامة بن لادن", "Osama bin Laden"},
		{"Arabic vowels missing", "صدام حسين", "Saddam Hussein"},
		{"Hangul surname variant", "이명박", "Lee Myung-bak"},
		{"Hangul Park", "박지성", "Park Ji-sung"},
		{"Greek digraph", "Γιώργος Παπανδρέου", "George Papandreou"},
		{"Thai", "สมชาย ศรีสุข", "Somchai Srisuk"},
		{"Katakana", "アベ シンゾウ", "Abe Shinzo"},
		{"Armenian", "Արամ Հովհաննիսյան", "Aram Hovhannisyan"},
		{"Georgian", "მიხეილ სააკაშვილი", "Mikheil Saakashvili"},
		{"Han pinyin", "毛泽东", "Mao Zedong"},
		{"Hebrew", "משה כהן", "Moshe Cohen"},
		{"dropped middle name", "RAMZI ABDULLAH BINALSHIBH", "RAMZI MOHAMED ABDULLAH BINALSHIBH"},
		{"particles", "Usama bin Laden", "Usama Laden"},
		{"titles", "Sheikh Hasan Nasrallah", "Hasan Nasrallah"},
		{"initial", "J. Smith Wesson", "John Smith Wesson"},
		{"joined", "SergeiLavrov", "Sergei Lavrov"},
		{"joined compound", "Abd al-Rahman Mustafa", "Abdulrahman Mustafa"},
		{"token boundary moved", "AREFULLAHA REF GHAZI", "AREFULLAH AREF GHAZI"},
		{"name duplication", "Shoigu Shoigu Sergey", "Sergey Shoigu"},
	}
	for _, tc := range match {
		t.Run("match/"+tc.kind, func(t *testing.T) {
			r := Compare(tc.a, tc.b, Evidence{}, Evidence{})
			if r.Score < DefaultThreshold {
				t.Errorf("Compare(%q, %q) = %.3f < %.2f: %+v", tc.a, tc.b, r.Score, DefaultThreshold, r.Explain)
			}
		})
	}
	differ := []struct{ kind, a, b string }{
		{"other person", "Olaf Scholz", "Friedrich Merz"},
		{"given name substituted", "William Ruto", "William Mutua"},
		{"patronymic substituted", "Sergey Viktorovich Lavrov", "Sergey Ivanovich Lavrov"},
		{"surname only", "WALIJAN", "WALIJAN ABDUL GHAFOOR HAQQANI"},
		{"short names one letter apart", "Kim Jong Man", "Kim Jong Sik"},
		{"different surname stem", "Iliana Iordanova", "Iliana Iotova"},
	}
	for _, tc := range differ {
		t.Run("differ/"+tc.kind, func(t *testing.T) {
			r := Compare(tc.a, tc.b, Evidence{}, Evidence{})
			if r.Score >= DefaultThreshold {
				t.Errorf("Compare(%q, %q) = %.3f ≥ %.2f: %+v", tc.a, tc.b, r.Score, DefaultThreshold, r.Explain)
			}
		})
	}
}

// TestCompareEvidence checks that birth dates, nationality and sex move the
// score the right way.
func TestCompareEvidence(t *testing.T) {
	a, b := "Muammar Gaddafi", "Moammar Kadhafi"
	base := Compare(a, b, Evidence{}, Evidence{}).Score
	tests := []struct {
		name   string
		ea, eb Evidence
		cmp    int // +1 higher than base, -1 lower, 0 equal
		how    string
	}{
		{"same full date", Evidence{BirthDate: "1942-06-07"}, Evidence{BirthDate: "1942-06-07"}, 1, "agree"},
		{"year only", Evidence{BirthDate: "1942"}, Evidence{BirthDate: "1942-06-07"}, 1, "partial-agree"},
		{"year and month", Evidence{BirthDate: "1942-06"}, Evidence{BirthDate: "1942-06-07"}, 1, "partial-agree"},
		{"day and month swapped", Evidence{BirthDate: "1942-07-06"}, Evidence{BirthDate: "1942-06-07"}, 1, "day-month-swapped"},
		{"clearly different", Evidence{BirthDate: "1970-01-01"}, Evidence{BirthDate: "1942-06-07"}, -1, "disagree"},
		{"nationality agrees", Evidence{Nationality: "LY"}, Evidence{Nationality: "ly"}, 1, "agree"},
		{"nationality differs", Evidence{Nationality: "LY"}, Evidence{Nationality: "FR"}, -1, "disagree"},
		{"sex differs", Evidence{Sex: "M"}, Evidence{Sex: "female"}, -1, "disagree"},
		{"missing evidence", Evidence{}, Evidence{BirthDate: "1942"}, 0, ""},
		{"unreadable date", Evidence{BirthDate: "June 1942"}, Evidence{BirthDate: "1942"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Compare(a, b, tc.ea, tc.eb)
			switch {
			case tc.cmp > 0 && r.Score <= base, tc.cmp < 0 && r.Score >= base, tc.cmp == 0 && r.Score != base:
				t.Errorf("score %.4f vs %.4f without evidence (want %+d)", r.Score, base, tc.cmp)
			}
			if tc.how != "" {
				found := false
				for _, re := range r.Explain {
					found = found || re.How == tc.how
				}
				if !found {
					t.Errorf("no reason %q in %+v", tc.how, r.Explain)
				}
			}
		})
	}
}

// TestCompareExplain checks the shape of an explanation.
func TestCompareExplain(t *testing.T) {
	r := Compare("Muammar Qaddafi", "Moammar Gaddafi", Evidence{}, Evidence{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"kind":"token"`) || !strings.Contains(string(b), `"how":"phonetic"`) && !strings.Contains(string(b), `"how":"typo"`) {
		t.Errorf("explanation %s", b)
	}
	sum := 0.0
	for _, re := range r.Explain {
		sum += re.Weight
	}
	if math.Abs(sum-r.Score) > 0.01 {
		t.Errorf("weights sum to %.3f, score %.3f", sum, r.Score)
	}
}

// TestIndex checks Add, replace, Remove, Len and Search.
func TestIndex(t *testing.T) {
	x := NewIndex()
	x.Add("R1", []string{"Муаммар Каддафи", "Muammar Kaddafi"}, Evidence{BirthDate: "1942-06-07", Nationality: "LY", Sex: "M"})
	x.Add("R2", []string{"Olaf Scholz"}, Evidence{BirthDate: "1958"})
	x.Add("R3", []string{"王伟"}, Evidence{})
	x.Add("R4", []string{"!!!"}, Evidence{})
	if x.Len() != 3 {
		t.Fatalf("Len %d, want 3 (a name without letters is not indexed)", x.Len())
	}
	tests := []struct {
		q    Query
		want string
	}{
		{Query{Name: "Moammar Gadhafi", Evidence: Evidence{BirthDate: "1942"}}, "R1"},
		{Query{Name: "Каддафи Муаммар"}, "R1"},
		{Query{Name: "SCHOLZ, Olaf"}, "R2"},
		{Query{Name: "Wang Wei"}, "R3"},
	}
	for _, tc := range tests {
		got := x.Search(tc.q, 5)
		if len(got) == 0 || got[0].ID != tc.want {
			t.Errorf("Search(%q) = %+v, want %s first", tc.q.Name, got, tc.want)
			continue
		}
		if got[0].Score < DefaultThreshold || len(got[0].Explain) == 0 || got[0].Name == "" {
			t.Errorf("Search(%q): %+v", tc.q.Name, got[0])
		}
	}
	if got := x.Search(Query{Name: "Moammar Gadhafi"}, 5); got[0].Name != "Muammar Kaddafi" {
		t.Errorf("best name %q, want the Latin one", got[0].Name)
	}
	// Replace: R2 becomes someone else.
	x.Add("R2", []string{"Friedrich Merz"}, Evidence{})
	if x.Len() != 3 {
		t.Errorf("Len after replace %d", x.Len())
	}
	if got := x.Search(Query{Name: "Olaf Scholz"}, 5); len(got) > 0 && got[0].Score >= DefaultThreshold {
		t.Errorf("replaced name still found: %+v", got)
	}
	if got := x.Search(Query{Name: "Friedrich Merz"}, 5); len(got) == 0 || got[0].ID != "R2" {
		t.Errorf("new name not found: %+v", got)
	}
	x.Remove("R1")
	x.Remove("unknown")
	if x.Len() != 2 {
		t.Errorf("Len after remove %d", x.Len())
	}
	for _, c := range x.Search(Query{Name: "Muammar Kaddafi"}, 5) {
		if c.ID == "R1" {
			t.Errorf("removed entry found")
		}
	}
	if got := x.Search(Query{Name: "Muammar Kaddafi"}, 0); got != nil {
		t.Errorf("k=0: %v", got)
	}
}

// TestIndexCompaction removes most entries so that posting lists and the
// arena are compacted, and checks the survivors are still found.
func TestIndexCompaction(t *testing.T) {
	x := NewIndex()
	persons := Synthetic(3, 3000)
	for i, p := range persons {
		x.Add(strings.Repeat("x", i%7)+string(rune('a'+i%26))+itoa(i), p.Names, p.Evidence())
	}
	for i := range persons[:2500] {
		x.Remove(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i))
	}
	if x.Len() != 500 {
		t.Fatalf("Len %d", x.Len())
	}
	for i := 2500; i < 3000; i += 50 {
		id := strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
		found := false
		for _, c := range x.Search(Query{Name: persons[i].Names[0], Evidence: persons[i].Evidence()}, 10) {
			found = found || c.ID == id
		}
		if !found {
			t.Errorf("%s (%v) not found after compaction", id, persons[i].Names)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestSyntheticDeterministic checks that the generators are reproducible
// and cover several scripts.
func TestSyntheticDeterministic(t *testing.T) {
	a, b := Synthetic(5, 2000), Synthetic(5, 2000)
	scripts := map[string]int{}
	for i := range a {
		if strings.Join(a[i].Names, "|") != strings.Join(b[i].Names, "|") || a[i].BirthDate != b[i].BirthDate {
			t.Fatalf("person %d differs between runs", i)
		}
		scripts[scriptOf(a[i].Names[0])]++
	}
	for _, s := range []string{"Latin", "Cyrillic", "Arabic", "Han", "Hangul", "Devanagari"} {
		if scripts[s] == 0 {
			t.Errorf("no %s names: %v", s, scripts)
		}
	}
	q1, q2 := SyntheticQueries(6, a, 300), SyntheticQueries(6, a, 300)
	kinds := map[string]int{}
	for i := range q1 {
		if q1[i] != q2[i] {
			t.Fatalf("query %d differs", i)
		}
		kinds[q1[i].Variation]++
	}
	for _, v := range []string{"exact", "typo", "reordered", "transliteration", "dropped-middle", "none"} {
		if kinds[v] == 0 {
			t.Errorf("no %s queries: %v", v, kinds)
		}
	}
}

// FuzzAnalyze checks that any input analyses without panicking, scores in
// [0, 1], and that a non-empty name compared with itself scores 1.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"Муаммар Каддафи", "محمد الحسن", "习近平", "김정은", "O'Brien-Smith, Jr.", "ـــ", "\u0301", "ꯀ"} {
		f.Add(s, "Muammar Gaddafi")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		Analyze(a)
		r := Compare(a, b, Evidence{BirthDate: a}, Evidence{BirthDate: "1942"})
		if r.Score < 0 || r.Score > 1 || math.IsNaN(r.Score) {
			t.Fatalf("Compare(%q, %q) = %v", a, b, r.Score)
		}
		if strings.TrimSpace(a) != "" {
			if s := Compare(a, a, Evidence{}, Evidence{}).Score; s != 1 {
				t.Fatalf("Compare(%q, itself) = %v", a, s)
			}
		}
	})
}

// TestIndexConcurrent adds, replaces, removes and searches from several
// goroutines at once (run with -race).
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex()
	persons := Synthetic(9, 2000)
	for i, p := range persons[:1000] {
		x.Add("p"+itoa(i), p.Names, p.Evidence())
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func(g int) {
			defer func() { done <- true }()
			for i := 0; i < 300; i++ {
				p := persons[(g*300+i)%len(persons)]
				switch i % 3 {
				case 0:
					x.Add("p"+itoa((g*300+i)%len(persons)), p.Names, p.Evidence())
				case 1:
					x.Remove("p" + itoa((g*7+i)%len(persons)))
				default:
					for _, c := range x.Search(Query{Name: p.Names[0]}, 5) {
						if c.Score < 0 || c.Score > 1 || c.ID == "" {
							t.Errorf("bad candidate %+v", c)
						}
					}
				}
			}
		}(g)
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if x.Len() < 0 || x.Len() > len(persons) {
		t.Errorf("Len %d", x.Len())
	}
}
