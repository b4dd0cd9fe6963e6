// Command gen writes countries.json, the embedded list of INTERPOL member
// countries, from Debian's iso-codes data (package iso-codes):
//
//	go run ./gen [-in /usr/share/iso-codes/json/iso_3166-1.json] [-out countries.json]
//
// It is run by `go generate` in internal/member. The membership list and the
// region of each member are held below; iso-codes supplies the alpha-3 code
// and the English short name. The output is deterministic: one JSON object a
// line, ordered by alpha-2.
//
// # How the membership list was derived
//
// INTERPOL has 196 member countries since the 91st General Assembly (Vienna,
// 29 November 2023) admitted Palau as the 196th. The list is:
//
//   - the 193 United Nations member states, less the two that are not
//     INTERPOL members: North Korea (KP, left in the 1980s) and Tuvalu (TV,
//     never joined): 191 countries;
//   - plus five members that are not UN member states: the Vatican City State
//     (VA, 2008), the State of Palestine (PS, 2017), and the three constituent
//     countries of the Kingdom of the Netherlands that hold their own
//     membership: Aruba (AW, 1987), Curaçao (CW, 2011) and Sint Maarten (SX,
//     2011). 191 + 5 = 196.
//
// The arithmetic is checked against INTERPOL's published totals: 190 members
// after Curaçao, Sint Maarten and South Sudan joined (Hanoi, 2011), when KP,
// TV, FM, PW, KI, VU and SB were the UN states outside INTERPOL (193 - 7 + VA,
// AW, CW, SX = 190); 192 after Palestine and the Solomon Islands (Beijing,
// 2017); 194 after Kiribati and Vanuatu (Dubai, 2018); 195 after the
// Federated States of Micronesia (Istanbul, 2021); 196 after Palau (2023).
//
// Not members: Kosovo (application rejected in 2018), Taiwan (the seat passed
// to the People's Republic of China in 1984), Western Sahara, and the
// dependent territories served by another member's sub-bureau (Hong Kong and
// Macao under China; Anguilla, Bermuda, the Cayman Islands, Gibraltar and
// others under the United Kingdom; Puerto Rico and American Samoa under the
// United States; Bonaire, Sint Eustatius and Saba under the Netherlands).
//
// Uncertainty: the list reflects the membership as known at the end of 2023
// and should be re-checked against https://www.interpol.int/Who-we-are/Member-countries
// after each General Assembly (Tuvalu is the one remaining UN state likely to
// join; North Korea has been invited back in the past).
//
// # How the regions were assigned
//
// Polex uses five regions modelled on INTERPOL's regional conferences and
// bureaus, one region per country:
//
//   - MENA: the Arab League members that lie in North Africa or Western Asia
//     (UN M49 regions 015 and 145): Algeria, Egypt, Libya, Morocco, Sudan,
//     Tunisia and the Arab states of the Middle East including Palestine. The
//     Arab League members of sub-Saharan Africa (Comoros, Djibouti,
//     Mauritania, Somalia) are in Africa, as at INTERPOL's African Regional
//     Conference.
//   - Africa: every other African state.
//   - Americas: North, Central and South America and the Caribbean, including
//     Aruba, Curaçao and Sint Maarten.
//   - Europe: the European states, plus Cyprus, Israel and Türkiye, the South
//     Caucasus (Armenia, Azerbaijan, Georgia) and Central Asia (Kazakhstan,
//     Kyrgyzstan, Tajikistan, Turkmenistan, Uzbekistan), which take part in
//     INTERPOL's European Regional Conference and the OSCE. This is a choice:
//     Central Asia could also be placed in Asia.
//   - AsiaPacific: the rest of Asia (including Afghanistan, Iran and
//     Mongolia) and Oceania.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
)

// Region values, as in package member (a generator cannot import the package
// it generates for without a cycle in `go generate`, so they are repeated).
const (
	africa      = "africa"
	americas    = "americas"
	asiaPacific = "asia-south-pacific"
	europe      = "europe"
	mena        = "middle-east-north-africa"
)

// wantMembers is INTERPOL's membership count; the generator refuses any
// other total.
const wantMembers = 196

// members maps each region to the alpha-2 codes of its member countries.
var members = map[string][]string{
	africa: {
		"AO", // Angola
		"BF", // Burkina Faso
		"BI", // Burundi
		"BJ", // Benin
		"BW", // Botswana
		"CD", // Democratic Republic of the Congo
		"CF", // Central African Republic
		"CG", // Congo
		"CI", // Côte d'Ivoire
		"CM", // Cameroon
		"CV", // Cabo Verde
		"DJ", // Djibouti (Arab League, sub-Saharan)
		"ER", // Eritrea
		"ET", // Ethiopia
		"GA", // Gabon
		"GH", // Ghana
		"GM", // Gambia
		"GN", // Guinea
		"GQ", // Equatorial Guinea
		"GW", // Guinea-Bissau
		"KE", // Kenya
		"KM", // Comoros (Arab League, sub-Saharan)
		"LR", // Liberia
		"LS", // Lesotho
		"MG", // Madagascar
		"ML", // Mali
		"MR", // Mauritania (Arab League, sub-Saharan)
		"MU", // Mauritius
		"MW", // Malawi
		"MZ", // Mozambique
		"NA", // Namibia
		"NE", // Niger
		"NG", // Nigeria
		"RW", // Rwanda
		"SC", // Seychelles
		"SL", // Sierra Leone
		"SN", // Senegal
		"SO", // Somalia (Arab League, sub-Saharan)
		"SS", // South Sudan
		"ST", // Sao Tome and Principe
		"SZ", // Eswatini
		"TD", // Chad
		"TG", // Togo
		"TZ", // Tanzania
		"UG", // Uganda
		"ZA", // South Africa
		"ZM", // Zambia
		"ZW", // Zimbabwe
	},
	americas: {
		"AG", // Antigua and Barbuda
		"AR", // Argentina
		"AW", // Aruba (not a UN member; member since 1987)
		"BB", // Barbados
		"BO", // Bolivia
		"BR", // Brazil
		"BS", // Bahamas
		"BZ", // Belize
		"CA", // Canada
		"CL", // Chile
		"CO", // Colombia
		"CR", // Costa Rica
		"CU", // Cuba
		"CW", // Curaçao (not a UN member; member since 2011)
		"DM", // Dominica
		"DO", // Dominican Republic
		"EC", // Ecuador
		"GD", // Grenada
		"GT", // Guatemala
		"GY", // Guyana
		"HN", // Honduras
		"HT", // Haiti
		"JM", // Jamaica
		"KN", // Saint Kitts and Nevis
		"LC", // Saint Lucia
		"MX", // Mexico
		"NI", // Nicaragua
		"PA", // Panama
		"PE", // Peru
		"PY", // Paraguay
		"SR", // Suriname
		"SV", // El Salvador
		"SX", // Sint Maarten (not a UN member; member since 2011)
		"TT", // Trinidad and Tobago
		"US", // United States
		"UY", // Uruguay
		"VC", // Saint Vincent and the Grenadines
		"VE", // Venezuela
	},
	asiaPacific: {
		"AF", // Afghanistan
		"AU", // Australia
		"BD", // Bangladesh
		"BN", // Brunei
		"BT", // Bhutan
		"CN", // China
		"FJ", // Fiji
		"FM", // Micronesia (member since 2021, the 195th)
		"ID", // Indonesia
		"IN", // India
		"IR", // Iran
		"JP", // Japan
		"KH", // Cambodia
		"KI", // Kiribati (member since 2018)
		"KR", // South Korea
		"LA", // Laos
		"LK", // Sri Lanka
		"MH", // Marshall Islands
		"MM", // Myanmar
		"MN", // Mongolia
		"MV", // Maldives
		"MY", // Malaysia
		"NP", // Nepal
		"NR", // Nauru
		"NZ", // New Zealand
		"PG", // Papua New Guinea
		"PH", // Philippines
		"PK", // Pakistan
		"PW", // Palau (member since November 2023, the 196th)
		"SB", // Solomon Islands (member since 2017)
		"SG", // Singapore
		"TH", // Thailand
		"TL", // Timor-Leste
		"TO", // Tonga
		"VN", // Viet Nam
		"VU", // Vanuatu (member since 2018)
		"WS", // Samoa
		// Not members: KP (North Korea), TV (Tuvalu), TW (Taiwan).
	},
	europe: {
		"AD", // Andorra
		"AL", // Albania
		"AM", // Armenia (South Caucasus)
		"AT", // Austria
		"AZ", // Azerbaijan (South Caucasus)
		"BA", // Bosnia and Herzegovina
		"BE", // Belgium
		"BG", // Bulgaria
		"BY", // Belarus
		"CH", // Switzerland
		"CY", // Cyprus
		"CZ", // Czechia
		"DE", // Germany
		"DK", // Denmark
		"EE", // Estonia
		"ES", // Spain
		"FI", // Finland
		"FR", // France
		"GB", // United Kingdom
		"GE", // Georgia (South Caucasus)
		"GR", // Greece
		"HR", // Croatia
		"HU", // Hungary
		"IE", // Ireland
		"IL", // Israel
		"IS", // Iceland
		"IT", // Italy
		"KG", // Kyrgyzstan (Central Asia)
		"KZ", // Kazakhstan (Central Asia)
		"LI", // Liechtenstein
		"LT", // Lithuania
		"LU", // Luxembourg
		"LV", // Latvia
		"MC", // Monaco
		"MD", // Moldova
		"ME", // Montenegro
		"MK", // North Macedonia
		"MT", // Malta
		"NL", // Netherlands
		"NO", // Norway
		"PL", // Poland
		"PT", // Portugal
		"RO", // Romania
		"RS", // Serbia
		"RU", // Russia
		"SE", // Sweden
		"SI", // Slovenia
		"SK", // Slovakia
		"SM", // San Marino
		"TJ", // Tajikistan (Central Asia)
		"TM", // Turkmenistan (Central Asia)
		"TR", // Türkiye
		"UA", // Ukraine
		"UZ", // Uzbekistan (Central Asia)
		"VA", // Vatican City State (not a UN member; member since 2008)
		// Not a member: Kosovo (no ISO 3166-1 code; application rejected 2018).
	},
	mena: {
		"AE", // United Arab Emirates
		"BH", // Bahrain
		"DZ", // Algeria
		"EG", // Egypt
		"IQ", // Iraq
		"JO", // Jordan
		"KW", // Kuwait
		"LB", // Lebanon
		"LY", // Libya
		"MA", // Morocco
		"OM", // Oman
		"PS", // Palestine (not a UN member; member since 2017)
		"QA", // Qatar
		"SA", // Saudi Arabia
		"SD", // Sudan
		"SY", // Syria
		"TN", // Tunisia
		"YE", // Yemen
	},
}

// names overrides the iso-codes name where it is long or inverted. Other
// members use iso-codes' common_name when it has one, else its name.
var names = map[string]string{
	"BN": "Brunei",                           // Brunei Darussalam
	"CD": "Democratic Republic of the Congo", // Congo, The Democratic Republic of the
	"FM": "Micronesia",                       // Micronesia, Federated States of
	"PS": "Palestine",                        // Palestine, State of
	"RU": "Russia",                           // Russian Federation
	"SX": "Sint Maarten",                     // Sint Maarten (Dutch part)
	"VA": "Vatican City State",               // Holy See (Vatican City State)
}

// country is one line of countries.json; the tags match member.Country.
type country struct {
	Alpha2 string `json:"alpha2"`
	Alpha3 string `json:"alpha3"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

// isoEntry is one entry of iso_3166-1.json.
type isoEntry struct {
	Alpha2     string `json:"alpha_2"`
	Alpha3     string `json:"alpha_3"`
	Name       string `json:"name"`
	CommonName string `json:"common_name"`
}

// Generate reads iso_3166-1.json from r and returns the contents of
// countries.json.
func Generate(r io.Reader) ([]byte, error) {
	var doc map[string][]isoEntry
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode iso-codes: %w", err)
	}
	iso := make(map[string]isoEntry)
	for _, e := range doc["3166-1"] {
		iso[e.Alpha2] = e
	}
	if len(iso) == 0 {
		return nil, fmt.Errorf(`iso-codes: no "3166-1" entries`)
	}

	var out []country
	seen := make(map[string]string)
	for region, codes := range members {
		for _, cc := range codes {
			if prev, ok := seen[cc]; ok {
				return nil, fmt.Errorf("%s listed in both %s and %s", cc, prev, region)
			}
			seen[cc] = region
			e, ok := iso[cc]
			if !ok {
				return nil, fmt.Errorf("%s: not in iso-codes", cc)
			}
			name := e.Name
			if e.CommonName != "" {
				name = e.CommonName
			}
			if n, ok := names[cc]; ok {
				name = n
			}
			if strings.ContainsAny(name, ",()") {
				return nil, fmt.Errorf("%s: name %q is not short; add it to names", cc, name)
			}
			out = append(out, country{Alpha2: cc, Alpha3: e.Alpha3, Name: name, Region: region})
		}
	}
	for cc := range names {
		if _, ok := seen[cc]; !ok {
			return nil, fmt.Errorf("names: %s is not a member", cc)
		}
	}
	if len(out) != wantMembers {
		return nil, fmt.Errorf("%d members, want %d", len(out), wantMembers)
	}
	slices.SortFunc(out, func(a, b country) int { return strings.Compare(a.Alpha2, b.Alpha2) })

	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, c := range out {
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c); err != nil {
			return nil, err
		}
		buf.WriteString("  ")
		buf.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
		if i < len(out)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return buf.Bytes(), nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	in := flag.String("in", "/usr/share/iso-codes/json/iso_3166-1.json", "iso-codes ISO 3166-1 JSON file")
	out := flag.String("out", "countries.json", "output file; - for standard output")
	flag.Parse()

	src, err := os.ReadFile(*in)
	if err != nil {
		log.Fatal(err)
	}
	b, err := Generate(bytes.NewReader(src))
	if err != nil {
		log.Fatal(err)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(b)
	} else {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		log.Fatal(err)
	}
}
