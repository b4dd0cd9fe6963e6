package names

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person is a synthetic person for benchmarks: names in one or more
// scripts (the first primary) and evidence.
type Person struct {
	Names       []string
	BirthDate   string
	Nationality string
	Sex         string
}

// Evidence returns the person's evidence.
func (p Person) Evidence() Evidence {
	return Evidence{BirthDate: p.BirthDate, Nationality: p.Nationality, Sex: p.Sex}
}

// SyntheticQuery is a query derived from a synthetic person (Target is its
// index) or made up to match nobody (Target is -1).
type SyntheticQuery struct {
	Query
	Target    int
	Variation string // exact, typo, reordered, transliteration, dropped-middle, none
}

// pairName is a name part in its own script and in Latin.
type pairName struct{ native, latin string }

func pairs(s string) []pairName {
	var out []pairName
	for _, f := range strings.Fields(s) {
		n, l, ok := strings.Cut(f, "/")
		if !ok {
			l = n
		}
		out = append(out, pairName{n, strings.ReplaceAll(l, "_", " ")})
	}
	return out
}

// culture is a naming tradition: lists ordered by frequency and a builder.
type culture struct {
	name    string
	share   float64
	nats    []string
	male    []pairName
	female  []pairName
	family  []pairName
	syll    []pairName // syllables for generated family names
	suffix  []pairName // endings for generated family names
	order   string     // "gf" given family, "fg" family given, "gpf" given patronymic family
	genProb float64    // share of generated family names
}

// cultures are the naming traditions of the synthetic population, about
// 50 names each; frequent names come first.
func cultures() []culture {
	return []culture{
		{name: "anglo", share: 0.16, nats: []string{"US", "GB", "AU", "CA", "IE", "NZ"}, order: "gmf", genProb: 0.6,
			male:   pairs("James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Edward Ronald Timothy Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Frank Gregory Raymond Patrick Jack Dennis Jerry Tyler Aaron"),
			female: pairs("Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty Margaret Sandra Ashley Kimberly Emily Donna Michelle Dorothy Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Shirley Angela Helen Anna Brenda Pamela Nicole Emma Samantha Katherine Christine Debra Rachel Catherine Carolyn Janet Ruth Maria"),
			family: pairs("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey"),
			syll:   pairs("ash bar ber bol brad brook chal crom dal dun ell fair field gar ham har kel lang lin mar mer north pen ridge ros stan thorn wal well wick win wood"),
			suffix: pairs("ton ford ley son by well field man ham er")},
		{name: "hispanic", share: 0.12, nats: []string{"ES", "MX", "CO", "AR", "PE", "VE", "CL"}, order: "gff", genProb: 0.3,
			male:   pairs("José Juan Luis Carlos Jorge Miguel Antonio Manuel Francisco Pedro Javier Alejandro Fernando Ricardo Roberto Eduardo Sergio Rafael Andrés Diego Pablo Raúl Mario Daniel Alberto Enrique Héctor Arturo Óscar Víctor Gustavo Ramón Felipe Hugo Ignacio Rubén Emilio Tomás Gabriel Joaquín"),
			female: pairs("María Carmen Ana Laura Isabel Rosa Patricia Lucía Elena Marta Sofía Paula Teresa Cristina Sara Pilar Dolores Beatriz Raquel Silvia Julia Alicia Natalia Verónica Gloria Claudia Adriana Mónica Andrea Valentina Camila Daniela Gabriela Lorena Marisol"),
			family: pairs("García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Álvarez Muñoz Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto"),
			syll:   pairs("al bar cal cas esp fer gal lar mon nav pal ros sal ter val ver vill"),
			suffix: pairs("ez es ero ado ino ana illo")},
		{name: "european", share: 0.12, nats: []string{"FR", "DE", "IT", "NL", "PL", "PT", "BE", "AT", "CH"}, order: "gf", genProb: 0.5,
			male:   pairs("Jean Pierre Michel Philippe Alain Nicolas François Thomas Hans Peter Klaus Wolfgang Jürgen Stefan Andreas Markus Giuseppe Giovanni Marco Luca Francesco Alessandro Andrea Jan Piotr Krzysztof Tomasz Pieter Johannes Willem Jeroen Bram Lars Sven Matthias Sebastian Lukas Florian Julien Olivier"),
			female: pairs("Marie Nathalie Isabelle Sylvie Catherine Sophie Anne Monique Ursula Sabine Petra Monika Claudia Julia Anna Giulia Francesca Chiara Sara Maria Agnieszka Katarzyna Małgorzata Ewa Anke Sanne Eva Lotte Charlotte Camille Léa Manon Emma Laura Lena Hanna"),
			family: pairs("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Nowak Kowalski Wiśniewski Wójcik Kowalczyk De_Jong Jansen De_Vries Van_den_Berg Bakker Visser Smit Meijer Mulder Bos Vos Peeters Janssens Maes"),
			syll:   pairs("ber brun dor fal gar hart lau mar mor ner ren rich schu stein vall wald wei zim"),
			suffix: pairs("mann er ier ini elli ski eau ert sen")},
		{name: "russian", share: 0.12, nats: []string{"RU", "UA", "BY", "KZ"}, order: "gpf", genProb: 0.7,
			male:   pairs("Александр/Aleksandr Сергей/Sergey Дмитрий/Dmitry Андрей/Andrey Алексей/Aleksey Максим/Maksim Евгений/Yevgeny Иван/Ivan Михаил/Mikhail Артём/Artyom Владимир/Vladimir Николай/Nikolay Игорь/Igor Олег/Oleg Павел/Pavel Юрий/Yury Виктор/Viktor Роман/Roman Денис/Denis Антон/Anton Константин/Konstantin Василий/Vasily Борис/Boris Григорий/Grigory Пётр/Pyotr Фёдор/Fyodor Илья/Ilya Степан/Stepan Руслан/Ruslan Тимур/Timur"),
			female: pairs("Елена/Yelena Ольга/Olga Наталья/Natalya Татьяна/Tatyana Ирина/Irina Светлана/Svetlana Анна/Anna Мария/Mariya Екатерина/Yekaterina Юлия/Yuliya Анастасия/Anastasiya Людмила/Lyudmila Галина/Galina Марина/Marina Дарья/Darya Ксения/Kseniya Вера/Vera Надежда/Nadezhda Валентина/Valentina Алина/Alina"),
			family: pairs("Иванов/Ivanov Смирнов/Smirnov Кузнецов/Kuznetsov Попов/Popov Васильев/Vasilyev Петров/Petrov Соколов/Sokolov Михайлов/Mikhaylov Новиков/Novikov Фёдоров/Fyodorov Морозов/Morozov Волков/Volkov Алексеев/Alekseyev Лебедев/Lebedev Семёнов/Semyonov Егоров/Yegorov Павлов/Pavlov Козлов/Kozlov Степанов/Stepanov Николаев/Nikolayev Орлов/Orlov Андреев/Andreyev Макаров/Makarov Никитин/Nikitin Захаров/Zakharov Шевченко/Shevchenko Бондаренко/Bondarenko Коваленко/Kovalenko"),
			syll:   pairs("бар/bar бел/bel вол/vol гор/gor дуб/dub жук/zhuk зай/zay кар/kar кол/kol лап/lap мал/mal нос/nos пан/pan рыб/ryb сав/sav тар/tar хар/khar чер/cher шап/shap яр/yar"),
			suffix: pairs("ов/ov ев/yev ин/in ский/sky енко/enko ук/uk ченко/chenko цев/tsev")},
		{name: "arabic", share: 0.18, nats: []string{"EG", "SA", "IQ", "SY", "JO", "MA", "DZ", "TN", "LY", "YE", "AE", "AF", "PK", "IR"}, order: "gpf", genProb: 0.5,
			male:   pairs("محمد/Mohammed أحمد/Ahmed علي/Ali عمر/Omar حسن/Hassan حسين/Hussein خالد/Khaled يوسف/Youssef إبراهيم/Ibrahim عبدالله/Abdullah مصطفى/Mustafa محمود/Mahmoud سعيد/Said عثمان/Othman كريم/Karim طارق/Tarek ياسر/Yasser فيصل/Faisal ماجد/Majed سامي/Sami نبيل/Nabil رامي/Rami وليد/Walid هشام/Hisham جمال/Jamal عادل/Adel منير/Mounir صالح/Saleh زياد/Ziad بلال/Bilal إسماعيل/Ismail يحيى/Yahya حمزة/Hamza أنس/Anas عبدالرحمن/Abdulrahman عبدالعزيز/Abdulaziz"),
			female: pairs("فاطمة/Fatima عائشة/Aisha مريم/Maryam زينب/Zainab خديجة/Khadija نور/Nour سارة/Sara ليلى/Layla هدى/Huda أمل/Amal سلمى/Salma رنا/Rana دينا/Dina منى/Mona ياسمين/Yasmin هند/Hind نادية/Nadia سعاد/Souad رقية/Ruqayya حنان/Hanan"),
			family: pairs("الحسن/Al-Hassan العلي/Al-Ali الأحمد/Al-Ahmad الخطيب/Al-Khatib الحداد/Al-Haddad النجار/Al-Najjar المصري/Al-Masri الشامي/Al-Shami التميمي/Al-Tamimi العتيبي/Al-Otaibi القحطاني/Al-Qahtani الدوسري/Al-Dosari الزهراني/Al-Zahrani الشمري/Al-Shammari الحربي/Al-Harbi البغدادي/Al-Baghdadi الكردي/Al-Kurdi منصور/Mansour حداد/Haddad خوري/Khoury سليمان/Suleiman عيسى/Issa بكر/Bakr"),
			syll:   pairs("ب/b ت/t ج/j د/d ر/r س/s ش/sh ع/a ف/f ق/q ك/k ل/l م/m ن/n ه/h و/w ي/y"),
			suffix: pairs("ي/i اوي/awi")},
		{name: "chinese", share: 0.12, nats: []string{"CN", "TW", "HK", "SG"}, order: "han"},
		{name: "korean", share: 0.05, nats: []string{"KR", "KP"}, order: "hangul"},
		{name: "indian", share: 0.10, nats: []string{"IN", "NP"}, order: "gf", genProb: 0,
			male:   pairs("राहुल/Rahul अमित/Amit राजेश/Rajesh सुनील/Sunil अनिल/Anil विजय/Vijay संजय/Sanjay रवि/Ravi अजय/Ajay मनोज/Manoj दीपक/Deepak अशोक/Ashok विकास/Vikas राम/Ram सुरेश/Suresh प्रकाश/Prakash आनंद/Anand गौरव/Gaurav अर्जुन/Arjun करण/Karan"),
			female: pairs("प्रिया/Priya अंजलि/Anjali सुनीता/Sunita पूजा/Pooja नेहा/Neha कविता/Kavita रीता/Rita सीमा/Seema आशा/Asha गीता/Geeta ममता/Mamta रेखा/Rekha दिव्या/Divya लक्ष्मी/Lakshmi"),
			family: pairs("शर्मा/Sharma वर्मा/Verma गुप्ता/Gupta सिंह/Singh कुमार/Kumar पटेल/Patel यादव/Yadav जोशी/Joshi मिश्रा/Mishra शुक्ला/Shukla तिवारी/Tiwari पांडे/Pandey चौधरी/Chaudhary अग्रवाल/Agarwal मेहता/Mehta थापा/Thapa राव/Rao नायर/Nair देसाई/Desai कपूर/Kapoor")},
		{name: "other", share: 0.03, nats: []string{"GR", "IL", "TH", "JP", "AM", "GE"}, order: "gf",
			male:   pairs("Γιώργος/Giorgos Νίκος/Nikos Δημήτρης/Dimitris משה/Moshe דוד/David יוסף/Yosef สมชาย/Somchai สมศักดิ์/Somsak ひろし/Hiroshi たかし/Takashi Արամ/Aram Դավիթ/Davit გიორგი/Giorgi ლევან/Levan"),
			female: pairs("Μαρία/Maria Ελένη/Eleni שרה/Sarah רחל/Rachel สมศรี/Somsri ゆき/Yuki さくら/Sakura Անի/Ani ნინო/Nino"),
			family: pairs("Παπαδόπουλος/Papadopoulos Παπαδάκης/Papadakis כהן/Cohen לוי/Levi สุขสวัสดิ์/Suksawat ศรีสุข/Srisuk たなか/Tanaka すずき/Suzuki Հովհաննիսյան/Hovhannisyan Գրիգորյան/Grigoryan ბერიძე/Beridze კაპანაძე/Kapanadze")},
	}
}

// Han and Hangul material.
const (
	hanSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔汤"
	hanGiven    = "伟芳娜敏静丽强磊军洋勇艳杰娟涛超秀霞刚平辉鹏华飞鑫波斌宇浩凯俊帆帅旭宁龙林欣玲婷慧莉晨红梅琳雪倩洁兰萍燕玉晶颖佳丹东文志国建春海小晓家嘉思梓子涵轩博然雨泽铭瑞天昊睿成诚民荣庆德福祥贵生光亮新雄振忠正义仁智进克安长云峰山江泉松兵武英雅琴淑珍桂凤秋月星阳恩泰宝玮维锦琪璇怡依亦心若诗书乐哲致远达耀鸿翔腾力立利连勋毅坚锋伦彬恒和承淳卿君媛婉婕珊妍琦艺宣宪永胜益增兴富才元源"
	koSurnames  = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용예경봉사부황"
	koSyllables = "민준서연지우현도하윤예은수아진영호성훈재동철광일남희경숙정혜원석태상용규환빈주선미"
)

// zipf picks an index in [0, n) with a head-heavy skew.
func zipf(r *rand.Rand, n int) int {
	return min(n-1, int(float64(n)*math.Pow(r.Float64(), 2.2)))
}

// Synthetic returns n deterministic synthetic persons for benchmarks: names
// from several traditions and scripts (Latin of several origins, Cyrillic,
// Arabic, Han, Hangul, Devanagari, Greek, Hebrew, Thai, Kana, Armenian,
// Georgian) with a realistic frequency skew, most with a Latin alias, and
// full, partial or missing birth dates.
func Synthetic(seed int64, n int) []Person {
	r := rand.New(rand.NewSource(seed))
	cs := cultures()
	out := make([]Person, n)
	for i := range out {
		out[i] = syntheticPerson(r, cs)
	}
	return out
}

func syntheticPerson(r *rand.Rand, cs []culture) Person {
	u := r.Float64()
	c := cs[len(cs)-1]
	for _, x := range cs {
		if u < x.share {
			c = x
			break
		}
		u -= x.share
	}
	p := Person{Sex: "M", Nationality: c.nats[zipf(r, len(c.nats))]}
	if r.Intn(2) == 0 {
		p.Sex = "F"
	}
	y, m, d := 1940+r.Intn(66), 1+r.Intn(12), 1+r.Intn(28)
	switch k := r.Intn(20); {
	case k < 13:
		p.BirthDate = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case k < 15:
		p.BirthDate = fmt.Sprintf("%04d-%02d", y, m)
	case k < 18:
		p.BirthDate = fmt.Sprintf("%04d", y)
	}
	var native, latin []string
	addPart := func(pn pairName) {
		native = append(native, pn.native)
		latin = append(latin, pn.latin)
	}
	given := c.male
	if p.Sex == "F" {
		given = c.female
	}
	family := func() pairName {
		if r.Float64() >= c.genProb || len(c.syll) == 0 {
			return c.family[zipf(r, len(c.family))]
		}
		var pn pairName
		for k := 1 + r.Intn(2); k >= 0; k-- {
			s := c.syll[r.Intn(len(c.syll))]
			pn.native += s.native
			pn.latin += s.latin
		}
		if len(c.suffix) > 0 {
			s := c.suffix[r.Intn(len(c.suffix))]
			pn.native += s.native
			pn.latin += s.latin
		}
		return pn
	}
	switch c.order {
	case "han":
		sur := []rune(hanSurnames)[zipf(r, utf8.RuneCountInString(hanSurnames))]
		g := []rune(hanGiven)
		name := string(sur) + string(g[r.Intn(len(g))])
		if r.Intn(3) > 0 {
			name += string(g[r.Intn(len(g))])
		}
		return withAlias(p, name, r)
	case "hangul":
		sur := []rune(koSurnames)[zipf(r, utf8.RuneCountInString(koSurnames))]
		s := []rune(koSyllables)
		name := string(sur) + string(s[r.Intn(len(s))]) + string(s[r.Intn(len(s))])
		return withAlias(p, name, r)
	case "gpf":
		addPart(given[zipf(r, len(given))])
		if r.Intn(3) > 0 {
			father := c.male[zipf(r, len(c.male))]
			if c.name == "russian" {
				father = patronymic(father, p.Sex == "F")
			}
			addPart(father)
		}
		addPart(family())
	case "gmf":
		addPart(given[zipf(r, len(given))])
		if r.Intn(3) == 0 {
			addPart(c.male[zipf(r, len(c.male))])
		}
		addPart(family())
	case "gff":
		addPart(given[zipf(r, len(given))])
		addPart(family())
		if r.Intn(2) == 0 {
			addPart(family())
		}
	default:
		addPart(given[zipf(r, len(given))])
		addPart(family())
	}
	nat, lat := strings.Join(native, " "), strings.Join(latin, " ")
	p.Names = []string{nat}
	if lat != nat {
		p.Names = append(p.Names, lat)
	}
	return p
}

// withAlias sets a Han or Hangul name and, for most persons, its
// romanisation as an alias.
func withAlias(p Person, name string, r *rand.Rand) Person {
	p.Names = []string{name}
	if r.Intn(4) > 0 {
		p.Names = append(p.Names, titleCase(Analyze(name).String()))
	}
	return p
}

// patronymic derives a Russian patronymic from a father's given name.
func patronymic(f pairName, female bool) pairName {
	n, l := strings.TrimSuffix(strings.TrimSuffix(f.native, "й"), "ь"), strings.TrimSuffix(f.latin, "y")
	if female {
		return pairName{n + "овна", l + "ovna"}
	}
	return pairName{n + "ович", l + "ovich"}
}

func titleCase(s string) string {
	parts := strings.Fields(s)
	for i, p := range parts {
		rs := []rune(p)
		rs[0] = unicode.ToUpper(rs[0])
		parts[i] = string(rs)
	}
	return strings.Join(parts, " ")
}

// SyntheticQueries returns n deterministic queries against persons: most
// perturb a known person's name (a typo, reordered parts, the other script,
// a dropped middle part, or unchanged) and keep its evidence; about one in
// ten is a made-up person of another seed that should match nobody.
func SyntheticQueries(seed int64, persons []Person, n int) []SyntheticQuery {
	r := rand.New(rand.NewSource(seed))
	cs := cultures()
	out := make([]SyntheticQuery, 0, n)
	for len(out) < n {
		if r.Intn(10) == 0 || len(persons) == 0 {
			p := syntheticPerson(r, cs)
			out = append(out, SyntheticQuery{Query: Query{Name: p.Names[len(p.Names)-1], Evidence: p.Evidence()}, Target: -1, Variation: "none"})
			continue
		}
		t := r.Intn(len(persons))
		p := persons[t]
		name := p.Names[0]
		v := []string{"exact", "typo", "reordered", "transliteration", "dropped-middle"}[r.Intn(5)]
		switch v {
		case "typo":
			name = typo(r, p.Names[len(p.Names)-1])
		case "reordered":
			f := strings.Fields(name)
			for i, j := 0, len(f)-1; i < j; i, j = i+1, j-1 {
				f[i], f[j] = f[j], f[i]
			}
			name = strings.Join(f, " ")
		case "transliteration":
			if len(p.Names) > 1 {
				name = p.Names[1]
			} else {
				v = "exact"
			}
		case "dropped-middle":
			f := strings.Fields(name)
			if len(f) >= 3 {
				name = strings.Join(append(f[:1:1], f[2:]...), " ")
			} else {
				v = "exact"
			}
		}
		out = append(out, SyntheticQuery{Query: Query{Name: name, Evidence: p.Evidence()}, Target: t, Variation: v})
	}
	return out
}

// typo changes one letter of the longest word of name: a deletion, a
// doubling, a swap of neighbours or a replacement.
func typo(r *rand.Rand, name string) string {
	f := strings.Fields(name)
	w := 0
	for i := range f {
		if utf8.RuneCountInString(f[i]) > utf8.RuneCountInString(f[w]) {
			w = i
		}
	}
	rs := []rune(f[w])
	if len(rs) < 4 {
		return name
	}
	i := 1 + r.Intn(len(rs)-2)
	switch r.Intn(4) {
	case 0:
		rs = append(rs[:i:i], rs[i+1:]...)
	case 1:
		rs = append(rs[:i+1:i+1], rs[i:]...)
	case 2:
		rs[i], rs[i+1] = rs[i+1], rs[i]
	default:
		rs[i] = rune('a' + r.Intn(26))
	}
	f[w] = string(rs)
	return strings.Join(f, " ")
}
