package names

import "strings"

// equivalents lists name parts that are romanisation variants, translations
// or standard short forms of one another. The first word of each line is the
// class head: every other word is analysed to it. The list is deliberately
// limited to variants that spelling distance and the consonant skeleton do
// not already catch, and to the most frequent names of the regions that
// appear in international watch lists.
const equivalents = `
muhammad mohammed mohamed mohammad mohamad muhamad muhammed mohd mhd mehmet mehmed mahomed mohamud muhamed mohammod mukhammad mokhammed magomed mahammad mamed
ahmad ahmed ahmet akhmed achmed ehmed
mahmud mahmoud mahmood mehmood makhmud
husayn hussein hussain husain hossein hosein husein huseyin guseyn gusein hussien
hasan hassan hasen khasan gasan hassen
ali aly alee
umar omar omer umer
uthman othman osman usman usmon
yusuf yousef yousif youssef yusef yussuf yosef joseph josef jozef giuseppe jose iosif osip yusup yusif
ibrahim ebrahim ibragim abraham avraham brahim
ismail ismael ismayil ismoil izmail
ilyas elias ilias ilya elijah eliyahu
musa moussa mousa moses moshe moise
isa issa eesa jesus
yahya yahia yehia yahiya john johannes johann jean juan giovanni joao jan ivan ioannis ioan ion evan sean ian hans
maryam mariam miriam maria mary marie mariya marija
ayman aiman eyman
usama osama ousama
abdullah abdallah abdulla abdalla abdoulaye abdellah abdulah
abdul abd abdel abdal abdol abdu abdoul
abdulrahman abdurrahman abdelrahman abdurahman abdulrakhman abdourahmane
abdulaziz abdelaziz abdulazeez
abdulqadir abdelkader abdulkadir abdelqader abdulkader abdulqader
jamal gamal djamal dzhamal cemal jamaal
jafar jaafar gafar dzhafar cafer
khalid khaled halid haled chaled
khalil halil khaleel
mustafa mostafa moustafa mustapha moustapha mustafo
said saeed sayed saeid saiid
salih saleh salah saleh
sulayman suleiman sulaiman soliman suleyman sulejman solomon
zakariya zakaria zakariyya zachary zacharias
yaqub yakub yacoub yaqoob jacob jakob jacques iakov yakov jakub giacomo santiago james
nasir nasser naser nassir
nasrallah nasrullah
qaddafi gaddafi kaddafi qadhafi gadhafi kadhafi gaddafy khadafi
aleksandr alexander aleksander alexandre alessandro alejandro oleksandr olexander aleksandar aleksandre sasha alexandros
sergey sergei serguei serhiy sergiy sergio serge
yevgeny evgeny evgenii yevgeni eugene evgeniy yevhen eugen
dmitry dmitri dmitrii dmytro dimitri dimitrios demetrios
mikhail michael mykhailo michel miguel michele michal mihail mikael mikhael mickael mikail
nikolay nikolai nicholas nicolas mykola nikola nicola niklas nikolaos klaus
pyotr petr peter pierre pedro pietro petro piotr petar
pavel paul pablo paolo pavlo pawel paulo
andrey andrei andrew andre andreas andres andrea andrii andriy andrzej
aleksey alexei alexey oleksiy alexis aleksei
vladimir volodymyr wladimir vladimer uladzimir
yury yuri yuriy iurii georgy george georgiy georges jorge jurgen juri heorhiy giorgi georgios giorgos yorgos
grigory grigoriy gregory hryhoriy gregor gregorio grzegorz
fyodor fedor theodore teodor fedir
stepan stephen steven stefan etienne esteban stefano stepan stephan
vasily vasiliy vasyl basil vasil
anatoly anatoliy anatolii
yekaterina ekaterina catherine katharina caterina katerina kateryna catalina
yelena elena helen helena olena alena helene
natalya natalia nataliya natalie nathalie
tatyana tatiana tetiana tatjana
olga olha
vladislav vladyslav wladyslaw
viktor victor wiktor vitor
boris borys
igor ihor
oleg oleh
kim gim
lee yi rhee ri li i
park bak pak
choi choe
jung jeong chung chong jong
cho jo
kang gang
yoon yun
jang chang
lim im rim
oh o
seo suh so
shin sin
kwon gwon
ahn an
ryu yoo yu
jeon jun chun chon
ko go
moon mun
bae pae
baek paek paik
heo hur
roh no
kwak gwak
sung seong song
woo u
koo gu
joo ju
zhang chang
zhou chou
wang wong
chen chan
liu lau
guo kuo
wu ng
lin lam
wei wai
jiang chiang
deng teng
xu hsu
benjamin binyamin
william bill will willem wilhelm guillaume guillermo guglielmo
robert bob rob roberto
richard dick rick ricardo riccardo
edward ted ed eduard eduardo edouard
thomas tom tomas tomasz thomaz
charles charlie karl carl carlos carlo karol
henry henri enrique heinrich enrico henryk
francis francisco francesco francois franz frank frantisek
louis luis luigi ludwig lewis lodewijk
philip filip philippe felipe filippo
frederick friedrich frederik federico frederic fridrich
anthony antonio antoine anton antonin antony tony
margaret margarita marguerite margarete
elizabeth elisabeth isabel isabelle elisabetta elzbieta yelizaveta
`

// equivClasses maps every variant to its class head. It is built once by
// newEquivalents and never changed afterwards.
var equivClasses = newEquivalents(equivalents)

// newEquivalents parses the table text into a variant → head map.
func newEquivalents(text string) map[string]string {
	m := make(map[string]string)
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		head := f[0]
		for _, v := range f {
			if _, dup := m[v]; !dup {
				m[v] = head
			}
		}
	}
	return m
}

// canonical returns the head of the equivalence class of a romanised token,
// or the token itself.
func canonical(s string) string {
	if h, ok := equivClasses[s]; ok {
		return h
	}
	return s
}

// commonNames are name parts so frequent in watch lists that agreeing on
// them says little (their weight is halved in Compare).
var commonNames = map[string]bool{
	"muhammad": true, "ahmad": true, "ali": true, "abdul": true, "abd": true, "hasan": true,
	"husayn": true, "abdullah": true, "khan": true, "kim": true, "lee": true, "park": true,
	"wang": true, "zhang": true, "chen": true, "liu": true, "singh": true, "kumar": true,
	"mahmud": true, "umar": true, "ibrahim": true, "yusuf": true, "mustafa": true,
	"smith": true, "nguyen": true, "jose": true, "maria": true, "john": true,
}
