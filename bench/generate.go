// Package bench measures a node at scale: it files a realistic multilingual
// registry through the service layer (registry.Service, so every filing is a
// log entry committed by the sequencer's group commit), measures filings and
// log appends per second, then times searches. `accord bench` runs it; the
// Go benchmarks in this package run it small.
package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"

	"github.com/accord-gov/accord"
)

// A theme is one kind of AI system: its domain, algorithm type and how
// filers describe it in the six UN languages. Arabic carries tashkeel (as
// some filers write it), Chinese has no spaces.
type theme struct {
	domain, algorithm string
	weight            int
	product           map[string][]string // words for trade names
	purpose           map[string][]string // intended purpose sentences
}

var themes = []theme{
	{"media.recommendation", "personalised_push", 14,
		map[string][]string{"en": {"Feed", "Recommender", "For You"}, "fr": {"Recommandations", "Fil"}, "es": {"Recomendador", "Para ti"}, "ar": {"تَوْصِيات", "مُوَصِّي"}, "zh-Hans": {"推荐", "资讯"}, "ru": {"Рекомендации", "Лента"}},
		map[string][]string{
			"en":      {"Personalised news recommendation for readers based on their reading history.", "Recommends short videos and articles in a feed ranked by predicted engagement."},
			"fr":      {"Recommandation personnalisée d'actualités selon l'historique de lecture.", "Suggère des vidéos courtes et des articles classés par intérêt prédit."},
			"es":      {"Recomendación personalizada de noticias según el historial de lectura.", "Sugiere vídeos cortos y artículos ordenados por interés previsto."},
			"ar":      {"نِظامُ التَّوْصِيَةِ بِالأَخْبارِ حَسَبَ سِجِلِّ القِراءَةِ.", "يَقْتَرِحُ مَقاطِعَ الفِيدْيُو القَصِيرَةَ وَالمَقالاتِ لِلمُسْتَخْدِمِينَ."},
			"zh-Hans": {"根据用户的阅读历史提供个性化新闻推荐。", "按预测兴趣为用户推荐短视频和文章。"},
			"ru":      {"Персонализированные рекомендации новостей по истории чтения.", "Подбор коротких видео и статей по прогнозу интереса."},
		}},
	{"essential_services.credit_scoring", "scheduling_decision", 8,
		map[string][]string{"en": {"Credit Score", "Risk"}, "fr": {"Score de crédit", "Crédit"}, "es": {"Puntuación crediticia", "Crédito"}, "ar": {"الجَدارَة الائْتِمانِيَّة", "ائْتِمان"}, "zh-Hans": {"信用评分", "风控"}, "ru": {"Кредитный скоринг", "Скоринг"}},
		map[string][]string{
			"en":      {"Evaluates the creditworthiness of consumers applying for loans.", "Credit risk scoring of small business owners from transaction data."},
			"fr":      {"Évaluation de la solvabilité des particuliers qui demandent un crédit.", "Notation du risque de crédit des emprunteurs à partir des transactions."},
			"es":      {"Evalúa la solvencia de los consumidores que solicitan préstamos.", "Calificación del riesgo crediticio de pequeños comercios."},
			"ar":      {"تَقْيِيمُ الجَدارَةِ الائْتِمانِيَّةِ لِلأَفْرادِ طالِبي القُرُوضِ.", "تَصْنِيفُ مَخاطِرِ الائْتِمانِ لِلمَشارِيعِ الصَّغِيرَةِ."},
			"zh-Hans": {"评估申请贷款的个人消费者的信用状况。", "基于交易数据对小微企业进行信用风险评分。"},
			"ru":      {"Оценка кредитоспособности граждан, подающих заявки на кредит.", "Скоринг кредитного риска малого бизнеса по транзакциям."},
		}},
	{"employment.recruitment", "ranking_selection", 8,
		map[string][]string{"en": {"Hire", "Talent Match"}, "fr": {"Recrutement", "Talents"}, "es": {"Selección", "Talento"}, "ar": {"التَّوْظِيف", "مُساعِدُ التَّوْظِيف"}, "zh-Hans": {"招聘", "人才匹配"}, "ru": {"Подбор персонала", "Найм"}},
		map[string][]string{
			"en":      {"Screens and ranks job applications for recruiters.", "Matches candidates to vacancies and schedules interviews."},
			"fr":      {"Tri et classement des candidatures pour les recruteurs.", "Met en relation candidats et offres d'emploi."},
			"es":      {"Filtra y clasifica las solicitudes de empleo.", "Empareja candidatos con vacantes y agenda entrevistas."},
			"ar":      {"فَرْزُ طَلَباتِ الوَظائِفِ وَتَرْتِيبُها لِمَسْؤُولي التَّوْظِيفِ.", "مُطابَقَةُ المُرَشَّحِينَ مَعَ الوَظائِفِ الشّاغِرَةِ."},
			"zh-Hans": {"为招聘人员筛选和排序求职申请。", "将候选人与职位空缺进行匹配并安排面试。"},
			"ru":      {"Отбор и ранжирование откликов на вакансии.", "Сопоставление кандидатов с вакансиями."},
		}},
	{"health.care_delivery", "scheduling_decision", 7,
		map[string][]string{"en": {"Care", "Clinic Scheduler"}, "fr": {"Soins", "Planification"}, "es": {"Salud", "Citas"}, "ar": {"إدارَةُ المَواعِيد", "رِعايَة"}, "zh-Hans": {"医疗", "预约"}, "ru": {"Здоровье", "Запись к врачу"}},
		map[string][]string{
			"en":      {"Schedules hospital appointments and prioritises patient referrals.", "Supports nurses with triage of patient messages."},
			"fr":      {"Planifie les rendez-vous à l'hôpital et priorise les patients.", "Aide les infirmiers à trier les messages des patients."},
			"es":      {"Programa citas hospitalarias y prioriza derivaciones.", "Ayuda al personal de enfermería a clasificar mensajes."},
			"ar":      {"أَداةُ إدارَةِ المَواعِيدِ في المُسْتَشْفَياتِ.", "تُساعِدُ المُمَرِّضِينَ في فَرْزِ رَسائِلِ المَرْضى."},
			"zh-Hans": {"为医院安排预约并对患者转诊进行优先排序。", "协助护士分诊患者咨询。"},
			"ru":      {"Планирование приёма в больнице и приоритизация направлений.", "Помощь медсёстрам в сортировке обращений пациентов."},
		}},
	{"general.conversational_assistant", "generation_synthesis", 12,
		map[string][]string{"en": {"Assistant", "Chat"}, "fr": {"Assistant", "Dialogue"}, "es": {"Asistente", "Charla"}, "ar": {"مُساعِد", "مُحادَثَة"}, "zh-Hans": {"智能助手", "对话"}, "ru": {"Ассистент", "Чат"}},
		map[string][]string{
			"en":      {"Conversational assistant that answers customer questions.", "Chatbot for citizens asking about public services."},
			"fr":      {"Assistant conversationnel qui répond aux questions des clients.", "Agent conversationnel pour les usagers des services publics."},
			"es":      {"Asistente conversacional que responde preguntas de clientes.", "Chatbot para ciudadanos sobre servicios públicos."},
			"ar":      {"مُساعِدٌ مُحادَثَةٌ يُجِيبُ عَنْ أَسْئِلَةِ العُمَلاءِ.", "روبوتُ مُحادَثَةٍ لِلمُواطِنِينَ حَوْلَ الخَدَماتِ العامَّةِ."},
			"zh-Hans": {"回答客户问题的智能对话助手。", "为市民解答政务服务问题的聊天机器人。"},
			"ru":      {"Диалоговый ассистент, отвечающий на вопросы клиентов.", "Чат-бот для граждан о государственных услугах."},
		}},
	{"general.content_generation", "generation_synthesis", 9,
		map[string][]string{"en": {"Studio", "Writer"}, "fr": {"Studio", "Rédaction"}, "es": {"Estudio", "Redactor"}, "ar": {"اسْتُودْيو", "كاتِب"}, "zh-Hans": {"生成", "创作"}, "ru": {"Студия", "Генератор"}},
		map[string][]string{
			"en":      {"Generates marketing images and text from short prompts.", "Synthesises voice-overs for videos."},
			"fr":      {"Génère des images et des textes publicitaires à partir de consignes.", "Synthèse vocale pour les vidéos."},
			"es":      {"Genera imágenes y textos publicitarios a partir de indicaciones.", "Sintetiza voces para vídeos."},
			"ar":      {"يُوَلِّدُ صُوَراً وَنُصُوصاً تَسْوِيقِيَّةً مِنْ أَوامِرَ قَصِيرَةٍ.", "تَوْلِيدُ التَّعْلِيقِ الصَّوْتِيِّ لِلفِيدْيُو."},
			"zh-Hans": {"根据简短提示生成营销图片和文案。", "为视频合成配音的深度合成服务。"},
			"ru":      {"Генерация рекламных изображений и текстов по запросу.", "Синтез озвучки для видео."},
		}},
	{"transport.logistics", "scheduling_decision", 6,
		map[string][]string{"en": {"Route", "Dispatch"}, "fr": {"Tournées", "Livraison"}, "es": {"Rutas", "Reparto"}, "ar": {"تَوْصِيل", "مَسارات"}, "zh-Hans": {"调度", "配送"}, "ru": {"Логистика", "Доставка"}},
		map[string][]string{
			"en":      {"Dispatches delivery riders and optimises routes.", "Assigns orders to drivers on a platform."},
			"fr":      {"Affecte les livreurs et optimise les tournées.", "Attribue les commandes aux chauffeurs d'une plateforme."},
			"es":      {"Asigna repartidores y optimiza rutas de entrega.", "Asigna pedidos a conductores de una plataforma."},
			"ar":      {"تَوْزِيعُ طَلَباتِ التَّوْصِيلِ عَلى السّائِقِينَ.", "تَحْسِينُ مَساراتِ التَّوْصِيلِ."},
			"zh-Hans": {"为外卖骑手派单并优化配送路线。", "平台订单调度决策算法。"},
			"ru":      {"Распределение заказов между курьерами и оптимизация маршрутов.", "Назначение заказов водителям платформы."},
		}},
	{"finance.fraud_detection", "retrieval_filtering", 6,
		map[string][]string{"en": {"Fraud Shield", "Guard"}, "fr": {"Anti-fraude", "Vigie"}, "es": {"Antifraude", "Guardián"}, "ar": {"كَشْفُ الاحْتِيال", "حارِس"}, "zh-Hans": {"反欺诈", "风险识别"}, "ru": {"Антифрод", "Защита"}},
		map[string][]string{
			"en":      {"Detects fraudulent card payments in real time.", "Flags suspicious money transfers for review."},
			"fr":      {"Détecte les paiements par carte frauduleux en temps réel.", "Signale les virements suspects."},
			"es":      {"Detecta pagos con tarjeta fraudulentos en tiempo real.", "Señala transferencias sospechosas."},
			"ar":      {"كَشْفُ المَدْفُوعاتِ الاحْتِيالِيَّةِ بِالبِطاقاتِ.", "الإِبْلاغُ عَنِ التَّحْوِيلاتِ المَشْبُوهَةِ."},
			"zh-Hans": {"实时识别银行卡欺诈交易。", "标记可疑转账以供人工审核。"},
			"ru":      {"Выявление мошеннических платежей по картам в реальном времени.", "Пометка подозрительных переводов."},
		}},
	{"education.assessment", "scheduling_decision", 5,
		map[string][]string{"en": {"Grader", "Learn"}, "fr": {"Évaluation", "École"}, "es": {"Evaluación", "Aula"}, "ar": {"تَقْيِيمُ الطُّلّاب", "تَعَلُّم"}, "zh-Hans": {"智能批改", "学习"}, "ru": {"Оценивание", "Учёба"}},
		map[string][]string{
			"en":      {"Grades essays and gives students feedback.", "Assesses learning outcomes in online courses."},
			"fr":      {"Corrige les dissertations et commente le travail des élèves.", "Évalue les acquis des cours en ligne."},
			"es":      {"Califica redacciones y da retroalimentación a estudiantes.", "Evalúa resultados de aprendizaje en cursos en línea."},
			"ar":      {"تَصْحِيحُ المَقالاتِ وَتَقْدِيمُ المُلاحَظاتِ لِلطُّلّابِ.", "تَقْيِيمُ نَتائِجِ التَّعَلُّمِ."},
			"zh-Hans": {"自动批改作文并向学生反馈。", "评估在线课程的学习成果。"},
			"ru":      {"Проверка сочинений и обратная связь ученикам.", "Оценка результатов обучения онлайн."},
		}},
	{"public_sector.administration", "scheduling_decision", 5,
		map[string][]string{"en": {"Gov Cases", "Inspect"}, "fr": {"Dossiers", "Contrôle"}, "es": {"Expedientes", "Inspección"}, "ar": {"المُعامَلات", "تَفْتِيش"}, "zh-Hans": {"政务", "审批"}, "ru": {"Госуслуги", "Проверки"}},
		map[string][]string{
			"en":      {"Prioritises tax inspections for a public administration.", "Routes citizen requests to the right department."},
			"fr":      {"Priorise les contrôles fiscaux d'une administration.", "Oriente les demandes des usagers vers le bon service."},
			"es":      {"Prioriza inspecciones fiscales de la administración.", "Dirige solicitudes ciudadanas al departamento adecuado."},
			"ar":      {"تَرْتِيبُ أَوْلَوِيّاتِ التَّفْتِيشِ الضَّرِيبِيِّ.", "تَوْجِيهُ طَلَباتِ المُواطِنِينَ إلى الإدارَةِ المُخْتَصَّةِ."},
			"zh-Hans": {"为税务机关确定检查优先级。", "将市民诉求分派到相应部门。"},
			"ru":      {"Приоритизация налоговых проверок.", "Маршрутизация обращений граждан."},
		}},
	{"security.cybersecurity", "retrieval_filtering", 4,
		map[string][]string{"en": {"Sentinel", "Threat"}, "fr": {"Sentinelle", "Cyber"}, "es": {"Centinela", "Ciber"}, "ar": {"الأَمْنُ السِّيبْرانِيّ", "حِمايَة"}, "zh-Hans": {"网络安全", "威胁检测"}, "ru": {"Кибербезопасность", "Угрозы"}},
		map[string][]string{
			"en":      {"Detects intrusions and malware in corporate networks."},
			"fr":      {"Détecte les intrusions et logiciels malveillants."},
			"es":      {"Detecta intrusiones y software malicioso."},
			"ar":      {"كَشْفُ الاخْتِراقاتِ وَالبَرامِجِ الضّارَّةِ في الشَّبَكاتِ."},
			"zh-Hans": {"检测企业网络中的入侵和恶意软件。"},
			"ru":      {"Обнаружение вторжений и вредоносных программ."},
		}},
	{"agriculture", "scheduling_decision", 3,
		map[string][]string{"en": {"Agri", "Crop"}, "fr": {"Agro", "Récolte"}, "es": {"Agro", "Cosecha"}, "ar": {"زِراعَة", "مَحاصِيل"}, "zh-Hans": {"智慧农业", "农作物"}, "ru": {"Агро", "Урожай"}},
		map[string][]string{
			"en":      {"Forecasts crop yields and irrigation needs."},
			"fr":      {"Prévoit les rendements et les besoins d'irrigation."},
			"es":      {"Pronostica cosechas y necesidades de riego."},
			"ar":      {"التَّنَبُّؤُ بِالمَحاصِيلِ وَاحْتِياجاتِ الرَّيِّ."},
			"zh-Hans": {"预测农作物产量和灌溉需求。"},
			"ru":      {"Прогноз урожайности и потребности в поливе."},
		}},
	{"biometrics.remote_identification", "retrieval_filtering", 2,
		map[string][]string{"en": {"Face ID", "Vision"}, "fr": {"Reconnaissance faciale"}, "es": {"Reconocimiento facial"}, "ar": {"التَّعَرُّفُ عَلى الوُجُوه"}, "zh-Hans": {"人脸识别"}, "ru": {"Распознавание лиц"}},
		map[string][]string{
			"en":      {"Identifies people in video from public cameras."},
			"fr":      {"Identifie des personnes dans les vidéos de caméras publiques."},
			"es":      {"Identifica personas en vídeos de cámaras públicas."},
			"ar":      {"التَّعَرُّفُ عَلى الأَشْخاصِ في تَسْجِيلاتِ الكامِيراتِ العامَّةِ."},
			"zh-Hans": {"在公共摄像头视频中识别人员身份。"},
			"ru":      {"Идентификация людей по видео с общественных камер."},
		}},
	{"general.translation", "generation_synthesis", 4,
		map[string][]string{"en": {"Translate", "Lingo"}, "fr": {"Traduction"}, "es": {"Traductor"}, "ar": {"تَرْجَمَة"}, "zh-Hans": {"翻译"}, "ru": {"Переводчик"}},
		map[string][]string{
			"en":      {"Translates documents and speech between languages."},
			"fr":      {"Traduit des documents et la parole entre les langues."},
			"es":      {"Traduce documentos y voz entre idiomas."},
			"ar":      {"تَرْجَمَةُ الوَثائِقِ وَالكَلامِ بَيْنَ اللُّغاتِ."},
			"zh-Hans": {"在多种语言之间翻译文档和语音。"},
			"ru":      {"Перевод документов и речи между языками."},
		}},
	{"commerce.pricing", "scheduling_decision", 4,
		map[string][]string{"en": {"Price", "Offers"}, "fr": {"Tarifs", "Prix"}, "es": {"Precios", "Ofertas"}, "ar": {"تَسْعِير", "عُرُوض"}, "zh-Hans": {"定价", "优惠"}, "ru": {"Цены", "Тарифы"}},
		map[string][]string{
			"en":      {"Sets personalised prices and discounts for shoppers."},
			"fr":      {"Fixe des prix et remises personnalisés."},
			"es":      {"Fija precios y descuentos personalizados."},
			"ar":      {"تَحْدِيدُ الأَسْعارِ وَالخُصُوماتِ المُخَصَّصَةِ لِلمُتَسَوِّقِينَ."},
			"zh-Hans": {"为消费者设置个性化价格和优惠。"},
			"ru":      {"Персонализированные цены и скидки для покупателей."},
		}},
}

// A country and the languages its filers write in (the first is the main one).
type country struct {
	code   string
	langs  []string
	weight int
}

var countries = []country{
	{"US", []string{"en", "es"}, 14}, {"CN", []string{"zh-Hans"}, 14}, {"IN", []string{"en", "hi"}, 7}, {"GB", []string{"en"}, 5},
	{"FR", []string{"fr"}, 5}, {"DE", []string{"de", "en"}, 5}, {"JP", []string{"ja", "en"}, 4}, {"KR", []string{"ko", "en"}, 4},
	{"BR", []string{"pt"}, 4}, {"RU", []string{"ru"}, 3}, {"EG", []string{"ar"}, 3}, {"SA", []string{"ar", "en"}, 3},
	{"MA", []string{"ar", "fr"}, 2}, {"AE", []string{"ar", "en"}, 2}, {"MX", []string{"es"}, 3}, {"ES", []string{"es"}, 3},
	{"AR", []string{"es"}, 2}, {"CO", []string{"es"}, 2}, {"KE", []string{"en", "sw"}, 2}, {"NG", []string{"en"}, 2},
	{"ZA", []string{"en"}, 2}, {"CA", []string{"en", "fr"}, 3}, {"SG", []string{"en", "zh-Hans"}, 2}, {"KZ", []string{"ru"}, 1},
	{"SN", []string{"fr"}, 1}, {"TN", []string{"ar", "fr"}, 1}, {"PT", []string{"pt"}, 1}, {"ID", []string{"en"}, 2},
}

// Trade-name words of languages without full descriptions.
var extraProduct = map[string][]string{
	"de": {"Assistent", "Bewertung", "Empfehlung", "Planung"}, "ja": {"アシスタント", "推薦システム", "画像認識"},
	"ko": {"추천", "상담 도우미", "신용 평가"}, "pt": {"Assistente", "Recomendação", "Crédito"},
	"hi": {"सहायक", "सिफ़ारिश"}, "sw": {"Msaidizi", "Mapendekezo"},
}

var uniLangs = []string{"en", "fr", "es", "ar", "zh-Hans", "ru"}

var syllables = strings.Fields("ka lo mi ra ve no ta si lu xa zen ori bel qua tri dex ion via nor sol mar tek gen ara ium cor lex")

var logic = []string{
	"Gradient-boosted trees over tabular features, retrained monthly.",
	"A transformer language model fine-tuned on domain documents, with human review of flagged outputs.",
	"Collaborative filtering with matrix factorisation and a re-ranking model.",
	"Convolutional neural network on images, thresholds set per deployment.",
	"Rules combined with logistic regression; operators can override every decision.",
	"Graph neural network over transaction networks.",
}

// Generator makes a deterministic stream of organizations, filings and queries.
type Generator struct {
	rng                   *rand.Rand
	themeTotal, ctryTotal int
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, t := range themes {
		g.themeTotal += t.weight
	}
	for _, c := range countries {
		g.ctryTotal += c.weight
	}
	return g
}

func (g *Generator) theme() *theme {
	n := g.rng.IntN(g.themeTotal)
	for i := range themes {
		if n -= themes[i].weight; n < 0 {
			return &themes[i]
		}
	}
	return &themes[0]
}

func (g *Generator) country() *country {
	n := g.rng.IntN(g.ctryTotal)
	for i := range countries {
		if n -= countries[i].weight; n < 0 {
			return &countries[i]
		}
	}
	return &countries[0]
}

func pick[T any](g *Generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// brand makes a made-up product or company name: the long tail of words.
func (g *Generator) brand() string {
	var b strings.Builder
	for range 2 + g.rng.IntN(2) {
		b.WriteString(pick(g, syllables))
	}
	s := []rune(b.String())
	s[0] = unicode.ToUpper(s[0])
	return string(s)
}

// Organization returns the i-th provider to register.
func (g *Generator) Organization() accord.NewOrganization {
	c := g.country()
	name := accord.Text{"en": g.brand() + " " + pick(g, []string{"Labs", "AI", "Technologies", "Systems", "Analytics"})}
	if l := c.langs[0]; l != "en" {
		name[l] = name["en"]
		if l == "zh-Hans" {
			name[l] = pick(g, []string{"智能科技有限公司", "数据技术公司", "网络科技"})
		} else if l == "ar" {
			name[l] = pick(g, []string{"شَرِكَةُ الحُلُولِ الذَّكِيَّةِ", "مُخْتَبَراتُ البَياناتِ"})
		}
	}
	return accord.NewOrganization{Name: name, Kind: "provider", Country: c.code}
}

// Filing returns a new filing: a theme, a home country and its languages,
// other deployment countries, and text in one to three languages.
func (g *Generator) Filing() accord.Filing {
	t := g.theme()
	home := g.country()
	brand := g.brand()
	langs := []string{home.langs[0]}
	if len(home.langs) > 1 && g.rng.IntN(2) == 0 {
		langs = append(langs, home.langs[1])
	}
	if langs[0] != "en" && g.rng.IntN(3) == 0 {
		langs = append(langs, "en")
	}
	f := accord.Filing{
		TradeName: accord.Text{}, IntendedPurpose: accord.Text{},
		SystemVersion: fmt.Sprintf("%d.%d", 1+g.rng.IntN(5), g.rng.IntN(10)),
		Status:        pick(g, []string{"active", "active", "active", "active", "planned", "discontinued"}),
		Domains:       []string{t.domain}, AlgorithmTypes: []string{t.algorithm},
		DeploymentCountries: []string{home.code},
	}
	for range g.rng.IntN(4) {
		f.DeploymentCountries = append(f.DeploymentCountries, g.country().code)
	}
	if g.rng.IntN(5) == 0 {
		f.Domains = append(f.Domains, g.theme().domain)
	}
	for _, l := range langs {
		words := t.product[l]
		if words == nil {
			words = extraProduct[l]
		}
		f.TradeName[l] = brand + " " + pick(g, words)
		p := t.purpose[l]
		if p == nil {
			p = t.purpose["en"]
			l = "en"
		}
		f.IntendedPurpose[l] = pick(g, p)
	}
	if g.rng.IntN(2) == 0 {
		f.OperatingLogic = accord.Text{"en": pick(g, logic)}
	}
	yes, no := true, false
	f.Facts.InteractsWithNaturalPersons = &yes
	if t.algorithm == "generation_synthesis" {
		f.Facts.GeneratesSyntheticContent = &yes
	} else {
		f.Facts.GeneratesSyntheticContent = &no
	}
	return f
}

// Query returns a search a user might make: one or two words (or a Chinese
// phrase) from a filing in any script, or the start of a product name, plus
// one filter.
func (g *Generator) Query() accord.SystemQuery {
	var q accord.SystemQuery
	t := g.theme()
	switch n := g.rng.IntN(10); {
	case n < 6:
		l := pick(g, uniLangs)
		words := strings.Fields(pick(g, t.purpose[l]))
		if l == "zh-Hans" {
			// Two adjacent characters: a word, since Chinese has no spaces.
			rs := []rune(strings.TrimRight(words[0], "。，"))
			i := g.rng.IntN(len(rs) - 1)
			q.Q = string(rs[i : i+2])
		} else {
			var long []string
			for _, w := range words {
				w = strings.Trim(w, ".,'’")
				if len([]rune(w)) >= 5 {
					long = append(long, w)
				}
			}
			if len(long) == 0 {
				long = words
			}
			q.Q = pick(g, long)
			if n == 0 && len(long) > 1 {
				q.Q += " " + pick(g, long)
			}
		}
	case n < 8:
		l := pick(g, uniLangs)
		q.Q = pick(g, t.product[l])
	default:
		// The first letters of a made-up brand: a prefix search on the long tail.
		q.Q = string([]rune(g.brand())[:4])
	}
	switch n := g.rng.IntN(10); {
	case n < 5:
		q.Country = g.country().code
	case n < 8:
		area, _, _ := strings.Cut(t.domain, ".")
		q.Domain = area
	default:
		q.Status = pick(g, []string{"active", "planned"})
	}
	return q
}
