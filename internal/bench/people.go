package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Person is a synthetic person of the persons database: names in any
// script (the first primary), and the evidence. It has the shape of
// names.Person so that people can switch to names.Synthetic.
type Person struct {
	Names       []string
	BirthDate   string
	Nationality string
	Sex         string
}

// PersonQuery is one person screen: a name, with evidence, and the index
// of the stored person it was derived from (-1 for an unknown person).
type PersonQuery struct {
	Name        string
	BirthDate   string
	Nationality string
	From        int
}

// people returns n deterministic synthetic persons of seed. It is the one
// place persons come from: the name engine's names.Synthetic(seed, n) can
// replace it.
func people(seed int64, n int) []Person {
	r := rand.New(rand.NewPCG(uint64(seed), 0x70706c))
	out := make([]Person, n)
	for i := range out {
		out[i] = onePerson(r)
	}
	return out
}

// part is a name part in its script, with its usual romanisation ("" when
// the part is already Latin).
type part struct{ native, latin string }

// culture is a naming tradition: given names by sex, family names, how a
// full name is ordered, and the countries whose nationals bear it.
type culture struct {
	male, female, family []part
	familyFirst          bool
	femaleSuffix         part // appended to the family name of women (Russian -a)
	countries            []string
	weight               int
}

func latin(ss ...string) []part {
	ps := make([]part, len(ss))
	for i, s := range ss {
		ps[i] = part{native: s}
	}
	return ps
}

func pairs(ss ...string) []part {
	ps := make([]part, 0, len(ss)/2)
	for i := 0; i+1 < len(ss); i += 2 {
		ps = append(ps, part{ss[i], ss[i+1]})
	}
	return ps
}

var cultures = []culture{
	{ // English
		male:      latin("James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua", "Kevin", "Brian"),
		female:    latin("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen", "Lisa", "Nancy", "Sandra", "Ashley", "Emily", "Donna", "Michelle", "Laura", "Rebecca", "Sharon"),
		family:    latin("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins"),
		countries: []string{"US", "GB", "CA", "AU", "NG", "KE", "ZA"}, weight: 5,
	},
	{ // Spanish and Portuguese
		male:      latin("José", "Juan", "Luis", "Carlos", "Jesús", "Antonio", "Miguel", "Alejandro", "Francisco", "Javier", "João", "Sebastián", "Andrés", "Raúl", "Fernando", "Diego", "Sergio", "Rafael", "Pedro", "Tomás"),
		female:    latin("María", "Guadalupe", "Juana", "Ana", "Lucía", "Sofía", "Valentina", "Camila", "Isabel", "Marta", "Carmen", "Rosa", "Beatriz", "Inés", "Laura", "Paula", "Elena", "Natalia", "Adriana", "Raquel"),
		family:    latin("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz", "Chávez", "Ruiz", "Jiménez", "Mendoza", "Álvarez", "Castillo", "Romero", "Herrera", "Medina", "Aguilar", "Vargas", "Silva", "Souza", "Oliveira", "Santos", "Pereira", "Costa", "Carvalho", "Almeida", "Ferreira", "Ribeiro"),
		countries: []string{"ES", "MX", "AR", "CO", "BR"}, weight: 4,
	},
	{ // French, German, Dutch, Italian
		male:      latin("Jean", "Pierre", "François", "Jérôme", "Henri", "Jürgen", "Klaus", "Stefan", "Lukas", "Giuseppe", "Giovanni", "Marco", "Luca", "Pieter", "Jan", "Dirk", "Günter", "Élie", "Benoît", "Matthias"),
		female:    latin("Marie", "Camille", "Chloé", "Élodie", "Anaïs", "Claire", "Sabine", "Hélène", "Ursula", "Greta", "Giulia", "Francesca", "Chiara", "Sanne", "Eva", "Léa", "Noémie", "Brigitte", "Renée", "Margot"),
		family:    latin("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "de Jong", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Lemaître", "Gauthier"),
		countries: []string{"FR", "DE", "IT", "NL", "SE", "PL"}, weight: 4,
	},
	{ // Russian and Ukrainian, Cyrillic
		male: pairs("Александр", "Aleksandr", "Дмитрий", "Dmitriy", "Сергей", "Sergey", "Андрей", "Andrey", "Алексей", "Aleksey", "Иван", "Ivan", "Михаил", "Mikhail",
			"Николай", "Nikolay", "Владимир", "Vladimir", "Юрий", "Yuriy", "Олег", "Oleg", "Евгений", "Yevgeniy", "Павел", "Pavel", "Виктор", "Viktor", "Игорь", "Igor"),
		female: pairs("Ольга", "Olga", "Елена", "Yelena", "Наталья", "Natalya", "Татьяна", "Tatyana", "Ирина", "Irina", "Светлана", "Svetlana", "Анна", "Anna",
			"Мария", "Mariya", "Екатерина", "Yekaterina", "Юлия", "Yuliya", "Людмила", "Lyudmila", "Галина", "Galina", "Ксения", "Kseniya", "Дарья", "Darya", "Вера", "Vera"),
		family: pairs("Иванов", "Ivanov", "Смирнов", "Smirnov", "Кузнецов", "Kuznetsov", "Попов", "Popov", "Васильев", "Vasilyev", "Петров", "Petrov",
			"Соколов", "Sokolov", "Михайлов", "Mikhaylov", "Новиков", "Novikov", "Фёдоров", "Fyodorov", "Морозов", "Morozov", "Волков", "Volkov",
			"Алексеев", "Alekseyev", "Лебедев", "Lebedev", "Семёнов", "Semyonov", "Егоров", "Yegorov", "Павлов", "Pavlov", "Козлов", "Kozlov",
			"Степанов", "Stepanov", "Николаев", "Nikolayev", "Орлов", "Orlov", "Андреев", "Andreyev", "Макаров", "Makarov", "Никитин", "Nikitin",
			"Захаров", "Zakharov", "Зайцев", "Zaytsev"),
		femaleSuffix: part{"а", "a"}, countries: []string{"RU"}, weight: 3,
	},
	{ // Arabic
		male: pairs("محمد", "Mohammed", "أحمد", "Ahmed", "علي", "Ali", "حسن", "Hassan", "حسين", "Hussein", "عمر", "Omar", "خالد", "Khalid", "يوسف", "Youssef",
			"إبراهيم", "Ibrahim", "عبد الله", "Abdullah", "مصطفى", "Mustafa", "سعيد", "Saeed", "طارق", "Tariq", "كريم", "Karim", "سامي", "Sami"),
		female: pairs("فاطمة", "Fatima", "عائشة", "Aisha", "مريم", "Maryam", "زينب", "Zainab", "نور", "Nour", "ليلى", "Layla", "سارة", "Sara", "هدى", "Huda",
			"أمل", "Amal", "سلمى", "Salma", "رنا", "Rana", "دينا", "Dina", "ياسمين", "Yasmin", "خديجة", "Khadija", "منى", "Mona"),
		family: pairs("الحسن", "Al-Hassan", "المصري", "El-Masry", "العلي", "Al-Ali", "الشمري", "Al-Shammari", "القحطاني", "Al-Qahtani", "الزهراني", "Al-Zahrani",
			"حداد", "Haddad", "خوري", "Khoury", "منصور", "Mansour", "عبد الرحمن", "Abdelrahman", "سليمان", "Suleiman", "النجار", "Al-Najjar",
			"الخطيب", "Al-Khatib", "يوسف", "Youssef", "إبراهيم", "Ibrahim", "صالح", "Saleh", "عثمان", "Osman", "جابر", "Jaber", "عيسى", "Issa", "بكر", "Bakr"),
		countries: []string{"EG", "SA", "AE", "PK"}, weight: 3,
	},
	{ // Chinese, family name first
		male: pairs("伟", "Wei", "强", "Qiang", "磊", "Lei", "军", "Jun", "洋", "Yang", "勇", "Yong", "杰", "Jie", "涛", "Tao", "明", "Ming", "超", "Chao",
			"建国", "Jianguo", "志强", "Zhiqiang", "海涛", "Haitao", "俊杰", "Junjie", "国华", "Guohua"),
		female: pairs("芳", "Fang", "娜", "Na", "敏", "Min", "静", "Jing", "丽", "Li", "艳", "Yan", "娟", "Juan", "霞", "Xia", "秀英", "Xiuying", "桂英", "Guiying",
			"丽娟", "Lijuan", "晓燕", "Xiaoyan", "雪", "Xue", "玲", "Ling", "婷", "Ting"),
		family: pairs("王", "Wang", "李", "Li", "张", "Zhang", "刘", "Liu", "陈", "Chen", "杨", "Yang", "黄", "Huang", "赵", "Zhao", "吴", "Wu", "周", "Zhou",
			"徐", "Xu", "孙", "Sun", "马", "Ma", "朱", "Zhu", "胡", "Hu", "郭", "Guo", "何", "He", "高", "Gao", "林", "Lin", "罗", "Luo"),
		familyFirst: true, countries: []string{"CN"}, weight: 3,
	},
	{ // Greek
		male: pairs("Γεώργιος", "Georgios", "Ιωάννης", "Ioannis", "Κωνσταντίνος", "Konstantinos", "Δημήτριος", "Dimitrios", "Νικόλαος", "Nikolaos",
			"Παναγιώτης", "Panagiotis", "Βασίλειος", "Vasileios", "Χρήστος", "Christos", "Αθανάσιος", "Athanasios", "Μιχαήλ", "Michail"),
		female: pairs("Μαρία", "Maria", "Ελένη", "Eleni", "Αικατερίνη", "Aikaterini", "Βασιλική", "Vasiliki", "Σοφία", "Sofia", "Αγγελική", "Angeliki",
			"Γεωργία", "Georgia", "Δήμητρα", "Dimitra", "Κωνσταντίνα", "Konstantina", "Ευαγγελία", "Evangelia"),
		family: pairs("Παπαδόπουλος", "Papadopoulos", "Βλάχος", "Vlachos", "Αγγελόπουλος", "Angelopoulos", "Νικολάου", "Nikolaou", "Γεωργίου", "Georgiou",
			"Παπαδάκης", "Papadakis", "Οικονόμου", "Oikonomou", "Μακρής", "Makris", "Κωνσταντίνου", "Konstantinou", "Δημητρίου", "Dimitriou"),
		countries: []string{"GR"}, weight: 1,
	},
	{ // Japanese, family name first
		male: pairs("翔太", "Shota", "大輔", "Daisuke", "健太", "Kenta", "拓也", "Takuya", "直樹", "Naoki", "浩", "Hiroshi", "誠", "Makoto", "隆", "Takashi",
			"修", "Osamu", "健一", "Kenichi"),
		female: pairs("陽子", "Yoko", "恵子", "Keiko", "由美", "Yumi", "美咲", "Misaki", "さくら", "Sakura", "愛", "Ai", "直子", "Naoko", "裕子", "Yuko",
			"真由美", "Mayumi", "智子", "Tomoko"),
		family: pairs("佐藤", "Sato", "鈴木", "Suzuki", "高橋", "Takahashi", "田中", "Tanaka", "伊藤", "Ito", "渡辺", "Watanabe", "山本", "Yamamoto",
			"中村", "Nakamura", "小林", "Kobayashi", "加藤", "Kato", "吉田", "Yoshida", "山田", "Yamada"),
		familyFirst: true, countries: []string{"JP"}, weight: 2,
	},
	{ // Turkish, Indonesian, Indian in Latin script
		male:      latin("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Hasan", "İbrahim", "Budi", "Agus", "Rahul", "Amit", "Rajesh", "Sanjay", "Vijay", "Arjun", "Ravi", "Emre", "Burak", "Yusuf", "Suresh"),
		female:    latin("Fatma", "Ayşe", "Emine", "Hatice", "Zeynep", "Elif", "Siti", "Dewi", "Sri", "Priya", "Anjali", "Sunita", "Pooja", "Kavita", "Neha", "Deepa", "Meera", "Büşra", "Özlem", "Rani"),
		family:    latin("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Yıldırım", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Santoso", "Wijaya", "Kusuma", "Pratama", "Sharma", "Verma", "Gupta", "Singh", "Kumar", "Patel", "Reddy", "Iyer", "Nair", "Das", "Bose", "Mehta"),
		countries: []string{"TR", "ID", "IN", "PH"}, weight: 3,
	},
}

func pickCulture(r *rand.Rand) *culture {
	total := 0
	for _, c := range cultures {
		total += c.weight
	}
	w := r.IntN(total)
	for i := range cultures {
		if w < cultures[i].weight {
			return &cultures[i]
		}
		w -= cultures[i].weight
	}
	return &cultures[0]
}

func onePerson(r *rand.Rand) Person {
	c := pickCulture(r)
	p := Person{Nationality: c.countries[r.IntN(len(c.countries))], Sex: "M"}
	given := c.male
	if r.IntN(2) == 0 {
		p.Sex, given = "F", c.female
	}
	gs := []part{given[r.IntN(len(given))]}
	if !c.familyFirst && r.IntN(4) == 0 {
		if g := given[r.IntN(len(given))]; g != gs[0] {
			gs = append(gs, g)
		}
	}
	fam := c.family[r.IntN(len(c.family))]
	if p.Sex == "F" && c.femaleSuffix.native != "" {
		fam = part{fam.native + c.femaleSuffix.native, fam.latin + c.femaleSuffix.latin}
	}
	full := func(latin bool) string {
		pick := func(p part) string {
			if latin && p.latin != "" {
				return p.latin
			}
			return p.native
		}
		var ws []string
		for _, g := range gs {
			ws = append(ws, pick(g))
		}
		f := pick(fam)
		switch {
		case c.familyFirst && !latin && fam.latin != "":
			return f + strings.Join(ws, "") // Han and kanji names are written without spaces
		case c.familyFirst:
			return f + " " + strings.Join(ws, " ")
		}
		return strings.Join(ws, " ") + " " + f
	}
	p.Names = []string{full(false)}
	if fam.latin != "" {
		p.Names = append(p.Names, full(true))
	}
	y, m, d := 1940+r.IntN(66), 1+r.IntN(12), 1+r.IntN(28)
	switch r.IntN(20) {
	case 0:
		p.BirthDate = fmt.Sprintf("%04d", y)
	case 1:
		p.Sex = ""
		p.BirthDate = fmt.Sprintf("%04d-%02d", y, m)
	default:
		p.BirthDate = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	}
	return p
}

// personQueries returns n screens: about two in three derived from a
// stored person of ps with a perturbation (the other script, a typo,
// tokens reordered, a missing middle name, no diacritics, day and month
// swapped), the rest persons never stored.
func personQueries(seed int64, ps []Person, n int) []PersonQuery {
	r := rand.New(rand.NewPCG(uint64(seed), 0x71756572))
	out := make([]PersonQuery, n)
	for i := range out {
		if len(ps) == 0 || r.IntN(3) == 0 {
			p := onePerson(r)
			out[i] = PersonQuery{Name: p.Names[len(p.Names)-1], BirthDate: p.BirthDate, Nationality: p.Nationality, From: -1}
			continue
		}
		k := r.IntN(len(ps))
		p := ps[k]
		q := PersonQuery{Name: p.Names[r.IntN(len(p.Names))], BirthDate: p.BirthDate, Nationality: p.Nationality, From: k}
		switch r.IntN(6) {
		case 0: // as stored, in one of its scripts
		case 1:
			q.Name = typo(r, q.Name)
		case 2:
			ws := strings.Fields(q.Name)
			if len(ws) > 1 {
				ws[0], ws[len(ws)-1] = ws[len(ws)-1], ws[0]
			}
			q.Name = strings.Join(ws, " ")
		case 3:
			ws := strings.Fields(q.Name)
			if len(ws) > 2 {
				ws = append(ws[:1], ws[2:]...)
			}
			q.Name = strings.Join(ws, " ")
		case 4:
			q.Name = strings.ToUpper(fold(q.Name))
		case 5:
			if len(q.BirthDate) == 10 && q.BirthDate[8:] <= "12" {
				q.BirthDate = q.BirthDate[:5] + q.BirthDate[8:] + "-" + q.BirthDate[5:7]
			}
		}
		if r.IntN(4) == 0 {
			q.Nationality = ""
		}
		out[i] = q
	}
	return out
}

// typo changes, drops or doubles one letter of a Latin name, or swaps two.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + r.IntN(len(rs)-2)
	if !unicode.IsLetter(rs[i]) || rs[i] > unicode.MaxLatin1 {
		return s
	}
	switch r.IntN(4) {
	case 0:
		rs[i] = rune('a' + r.IntN(26))
	case 1:
		rs = append(rs[:i], rs[i+1:]...)
	case 2:
		rs = append(rs[:i+1], rs[i:]...)
	default:
		rs[i], rs[i+1] = rs[i+1], rs[i]
	}
	return string(rs)
}

// fold removes diacritics.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
