package notice

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/polex-org/polex/internal/person"
)

// Finding codes.
const (
	FindMissing   = "missing"   // a field that reviewers expect is empty
	FindMalformed = "malformed" // a field is present but doubtful
	FindDuplicate = "duplicate" // another notice is likely on the same person
	FindArticle3  = "article3"  // political, military, religious or racial character
	FindArticle2  = "article2"  // the person holds refugee status
)

// Fold returns s in the form used to compare names and keywords: lower
// case, without diacritics (including Arabic vowel marks), with runs of
// spaces and punctuation made one space.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		default:
			space = true
		}
	}
	return b.String()
}

// Keys returns the duplicate-detection keys of a person: one per identity
// document ("doc:CC:NUMBER") and one per name and full birth date
// ("nb:folded name|YYYY-MM-DD"). Two notices sharing a key are likely on
// the same person.
func Keys(p *person.Person) []string {
	if p == nil {
		return nil
	}
	var ks []string
	add := func(k string) {
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	for _, d := range p.Documents {
		if d.Number != "" {
			add("doc:" + strings.ToUpper(d.IssuingCountry) + ":" + strings.ToUpper(strings.ReplaceAll(d.Number, " ", "")))
		}
	}
	for _, n := range p.Names {
		f := Fold(n.Full)
		if f == "" || f == "unknown" {
			continue
		}
		for _, b := range p.BirthDates {
			if len(b) == 10 {
				add("nb:" + f + "|" + string(b))
			}
		}
	}
	return ks
}

// article3Terms are words and phrases that suggest a political, military,
// religious or racial character (Article 3 of INTERPOL's Constitution), in
// the four official languages, already folded.
var article3Terms = []string{
	// English
	"insulting the head of state", "insult to the head of state", "lese majeste", "lese-majeste", "desertion", "deserter",
	"apostasy", "apostate", "blasphemy", "heresy", "opposition party", "political party", "sedition", "seditious",
	"treason", "espionage", "draft evasion", "conscientious objector", "unlawful assembly", "political opinion",
	"insulting the president", "defamation of the president", "religious conversion", "proselytism", "racial",
	"ethnic origin", "military offence", "insubordination", "mutiny", "separatism", "subversion",
	// French
	"offense au chef de l etat", "outrage au chef de l etat", "lese majeste", "desertion", "apostasie", "blaspheme",
	"parti d opposition", "sedition", "trahison", "insoumission", "atteinte a la surete de l etat", "opinion politique",
	// Spanish
	"injurias al jefe de estado", "ofensa al jefe de estado", "desercion", "apostasia", "blasfemia", "partido de oposicion",
	"sedicion", "traicion", "rebelion", "opinion politica", "lesa majestad",
	// Arabic
	"اهانة رئيس الدولة", "اهانة الذات", "العيب في الذات", "الفرار من الخدمة", "فرار من الجندية", "الردة", "ردة", "التجديف",
	"ازدراء الاديان", "حزب معارض", "حزب المعارضة", "الفتنة", "التحريض على الفتنة", "الخيانة",
}

// scanned are the text fields searched for Article 3 terms.
var scanned = []string{"offence", "legal_basis", "criminal_activities", "threat", "information_sought", "modus_operandi"}

// Article3 returns the findings for Article 3 terms in the notice's text.
func Article3(c Content) []Finding {
	var out []Finding
	check := func(field, text string) {
		f := " " + Fold(text) + " "
		for _, term := range article3Terms {
			t := Fold(term)
			if matches(f, t) {
				out = append(out, Finding{Code: FindArticle3, Field: field,
					Message: fmt.Sprintf("%q may give the notice a political, military, religious or racial character (Article 3)", term)})
				return
			}
		}
	}
	check("facts", c.Facts)
	for _, n := range scanned {
		check(n, c.Fields.Get(n))
	}
	return out
}

// Quality returns the findings on missing or doubtful data that do not
// prevent submission but that reviewers should see.
func Quality(c Content) []Finding {
	var out []Finding
	if c.Facts == "" {
		out = append(out, Finding{Code: FindMissing, Field: "facts", Message: "no summary of the facts"})
	}
	p := c.Person
	if p == nil {
		return out
	}
	if len(p.BirthDates) == 0 && c.Type != Black {
		out = append(out, Finding{Code: FindMissing, Field: "person.birth_dates", Message: "no birth date: identification will be weak"})
	}
	for i, d := range p.BirthDates {
		if len(d) < 10 {
			out = append(out, Finding{Code: FindMalformed, Field: fmt.Sprintf("person.birth_dates[%d]", i), Message: "partial birth date"})
		}
	}
	if len(p.Nationalities) == 0 {
		out = append(out, Finding{Code: FindMissing, Field: "person.nationalities", Message: "no nationality"})
	}
	if len(p.Photos) == 0 {
		out = append(out, Finding{Code: FindMissing, Field: "person.photos", Message: "no photograph"})
	}
	for i, n := range p.Names {
		if !n.Alias && n.Family == "" && len(strings.Fields(n.Full)) < 2 && Fold(n.Full) != "unknown" {
			out = append(out, Finding{Code: FindMalformed, Field: fmt.Sprintf("person.names[%d].full", i), Message: "a single-word name without a family name"})
		}
	}
	if c.Type == Red && len(p.Documents) == 0 {
		out = append(out, Finding{Code: FindMissing, Field: "person.documents", Message: "no identity document"})
	}
	return out
}

// Article2 returns a finding when the person holds refugee status.
func Article2(c Content) []Finding {
	if c.Person != nil && c.Person.Refugee {
		return []Finding{{Code: FindArticle2, Field: "person.refugee",
			Message: "the person holds refugee status: check that the request does not come from the country the person fled (Article 2)"}}
	}
	return nil
}

// matches reports whether folded text f (padded with spaces) holds term t:
// as whole words, a single word also as a word's start (deserter,
// desertion); Arabic terms anywhere, since Arabic attaches prefixes such
// as bi- and wa- to the word.
func matches(f, t string) bool {
	switch {
	case t == "":
		return false
	case strings.IndexFunc(t, func(r rune) bool { return unicode.Is(unicode.Arabic, r) }) >= 0:
		return strings.Contains(f, t)
	case strings.Contains(f, " "+t+" "):
		return true
	}
	return !strings.Contains(t, " ") && strings.Contains(f, " "+t)
}
