package cite

// Names of the instruments citations name, by the English name the packs
// and the fact documentation use, in each language other than English.
// Short titles follow the packs' own "instrument" texts (which give the
// full official titles); Chinese titles take book-title marks 《》 as
// Chinese legal writing does. Designations that are themselves citation
// forms (C.R.S., 6 RCNY, bill numbers) are kept as written.
var instruments = map[string]map[string]string{
	"EU AI Act": {
		"fr": "Règlement sur l’IA", "es": "Reglamento de IA", "ru": "Регламент ЕС об ИИ",
		"ar": "قانون الاتحاد الأوروبي للذكاء الاصطناعي", "zh-Hans": "《欧盟人工智能法》",
	},
	"Regulation (EU) 2026/1744": {
		"fr": "Règlement (UE) 2026/1744", "es": "Reglamento (UE) 2026/1744", "ru": "Регламент (ЕС) 2026/1744",
		"ar": "اللائحة (الاتحاد الأوروبي) 2026/1744", "zh-Hans": "《（欧盟）第2026/1744号条例》",
	},
	"GDPR": {
		"fr": "RGPD", "es": "RGPD", "ru": "Общий регламент ЕС по защите данных",
		"ar": "اللائحة العامة لحماية البيانات", "zh-Hans": "《通用数据保护条例》",
	},
	"Korea AI Basic Act": {
		"fr": "Loi-cadre coréenne sur l’IA", "es": "Ley Marco de IA de Corea", "ru": "Рамочный закон Кореи об ИИ",
		"ar": "القانون الإطاري الكوري للذكاء الاصطناعي", "zh-Hans": "《韩国人工智能基本法》",
	},
	"Algorithm Recommendation Provisions":     algorithmProvisions,
	"CAC Algorithm Recommendation Provisions": algorithmProvisions,
	"Deep Synthesis Provisions":               deepSynthesis,
	"CAC Deep Synthesis Provisions":           deepSynthesis,
	"Generative AI Measures": {
		"fr": "Mesures provisoires sur l’IA générative", "es": "Medidas provisionales sobre IA generativa",
		"ru": "Временные меры по генеративному ИИ", "ar": "التدابير المؤقتة للذكاء الاصطناعي التوليدي",
		"zh-Hans": "《生成式人工智能服务管理暂行办法》",
	},
	"Labelling Measures": {
		"fr": "Mesures sur le marquage des contenus synthétiques", "es": "Medidas de etiquetado del contenido sintético",
		"ru": "Меры по маркировке синтетического контента", "ar": "تدابير وسم المحتوى الاصطناعي",
		"zh-Hans": "《人工智能生成合成内容标识办法》",
	},
	"PIPL": {
		"fr": "Loi sur la protection des informations personnelles", "es": "Ley de Protección de la Información Personal",
		"ru": "Закон КНР о защите персональной информации", "ar": "قانون حماية المعلومات الشخصية",
		"zh-Hans": "《个人信息保护法》",
	},
	"Security Assessment Provisions for Internet Information Services with Public-Opinion Attributes (2018)": {
		"fr":      "Dispositions sur l’évaluation de sécurité des services d’information sur Internet ayant des attributs d’opinion publique (2018)",
		"es":      "Disposiciones sobre la evaluación de seguridad de los servicios de información de Internet con atributos de opinión pública (2018)",
		"ru":      "Положение об оценке безопасности интернет-информационных услуг, обладающих свойствами общественного мнения (2018)",
		"ar":      "أحكام التقييم الأمني لخدمات المعلومات عبر الإنترنت ذات الطابع المؤثر في الرأي العام (2018)",
		"zh-Hans": "《具有舆论属性或社会动员能力的互联网信息服务安全评估规定》（2018年）",
	},
	"CAC filing": {
		"fr": "dépôt auprès de l’Administration chinoise du cyberespace", "es": "registro ante la Administración del Ciberespacio de China",
		"ru": "регистрация в Управлении по вопросам киберпространства КНР", "ar": "الإيداع لدى إدارة الفضاء الإلكتروني الصينية",
		"zh-Hans": "网信办备案",
	},
	"NYC Admin. Code": {
		"fr": "Code administratif de New York", "es": "Código Administrativo de Nueva York",
		"ru": "Административный кодекс Нью-Йорка", "ar": "القانون الإداري لمدينة نيويورك", "zh-Hans": "《纽约市行政法典》",
	},
	"NYC LL 144": {
		"fr": "Local Law 144 de New York", "es": "Local Law 144 de Nueva York", "ru": "Местный закон Нью-Йорка № 144",
		"ar": "القانون المحلي 144 لمدينة نيويورك", "zh-Hans": "纽约市第144号地方法",
	},
	"6 RCNY": same("6 RCNY"),
	"C.R.S.": same("C.R.S."),
	"SB 26-189": {
		"fr": "loi SB 26-189", "es": "ley SB 26-189", "ru": "закон SB 26-189", "ar": "القانون SB 26-189", "zh-Hans": "SB 26-189法案",
	},
	"Cal. Bus. & Prof. Code": {
		"fr": "Code des affaires et des professions de Californie", "es": "Código de Negocios y Profesiones de California",
		"ru": "Кодекс Калифорнии о предпринимательской деятельности и профессиях", "ar": "قانون الأعمال والمهن في كاليفورنيا",
		"zh-Hans": "《加利福尼亚州商业与职业法典》",
	},
	"Tex. Bus. & Com. Code": {
		"fr": "Code des affaires et du commerce du Texas", "es": "Código de Negocios y Comercio de Texas",
		"ru": "Кодекс Техаса о предпринимательской деятельности и торговле", "ar": "قانون الأعمال والتجارة في تكساس",
		"zh-Hans": "《得克萨斯州商业与商务法典》",
	},
	"Illinois Human Rights Act": {
		"fr": "Loi de l’Illinois sur les droits de la personne", "es": "Ley de Derechos Humanos de Illinois",
		"ru": "Закон штата Иллинойс о правах человека", "ar": "قانون حقوق الإنسان في إلينوي",
		"zh-Hans": "《伊利诺伊州人权法》",
	},
	"Colorado SB 26-189": {
		"fr": "loi SB 26-189 du Colorado", "es": "ley SB 26-189 de Colorado", "ru": "закон штата Колорадо SB 26-189",
		"ar": "قانون كولورادو SB 26-189", "zh-Hans": "科罗拉多州SB 26-189法案",
	},
}

var (
	algorithmProvisions = map[string]string{
		"fr": "Dispositions sur les recommandations algorithmiques", "es": "Disposiciones sobre recomendación algorítmica",
		"ru": "Положение об алгоритмических рекомендациях", "ar": "أحكام التوصيات الخوارزمية",
		"zh-Hans": "《互联网信息服务算法推荐管理规定》",
	}
	deepSynthesis = map[string]string{
		"fr": "Dispositions sur la synthèse profonde", "es": "Disposiciones sobre síntesis profunda",
		"ru": "Положение о глубоком синтезе", "ar": "أحكام التوليف العميق", "zh-Hans": "《互联网信息服务深度合成管理规定》",
	}
)

// same is a designation written the same way in every language.
func same(s string) map[string]string {
	return map[string]string{"fr": s, "es": s, "ru": s, "ar": s, "zh-Hans": s}
}

// glossary names parts of an instrument that a citation names in words
// because no pinpoint is settled (Colorado's reenacted part 17 has no
// agreed section numbers yet), and the notions the fact documentation
// points to. Terms follow the web catalogues (a deployer is a déployeur,
// responsable del despliegue, эксплуатант, الجهة المشغِّلة, 部署者).
var glossary = map[string]map[string]string{
	"developer duties": {
		"fr": "obligations des développeurs", "es": "obligaciones de los desarrolladores", "ru": "обязанности разработчиков",
		"ar": "التزامات المطوِّرين", "zh-Hans": "开发者义务",
	},
	"deployer duties and consumer rights": {
		"fr": "obligations des déployeurs et droits des consommateurs", "es": "obligaciones de los responsables del despliegue y derechos de los consumidores",
		"ru": "обязанности эксплуатантов и права потребителей", "ar": "التزامات الجهات المشغِّلة وحقوق المستهلكين", "zh-Hans": "部署者义务与消费者权利",
	},
	"deployer notice": {
		"fr": "information par le déployeur", "es": "aviso del responsable del despliegue", "ru": "уведомление эксплуатантом",
		"ar": "إشعار الجهة المشغِّلة", "zh-Hans": "部署者告知",
	},
	"adverse-outcome disclosure": {
		"fr": "explication d’une décision défavorable", "es": "explicación de un resultado adverso", "ru": "разъяснение неблагоприятного решения",
		"ar": "الإفصاح عن النتيجة السلبية", "zh-Hans": "不利结果说明",
	},
	"consumer right to access and correct personal data": {
		"fr": "droit du consommateur d’accéder à ses données personnelles et de les rectifier",
		"es": "derecho del consumidor a acceder a sus datos personales y a rectificarlos",
		"ru": "право потребителя на доступ к своим персональным данным и их исправление",
		"ar": "حق المستهلك في الاطلاع على بياناته الشخصية وتصحيحها", "zh-Hans": "消费者查阅和更正个人数据的权利",
	},
	"meaningful human review": {
		"fr": "réexamen humain effectif", "es": "revisión humana significativa", "ru": "содержательный пересмотр человеком",
		"ar": "مراجعة بشرية فعلية", "zh-Hans": "有意义的人工复核",
	},
	"record keeping": {
		"fr": "conservation des registres", "es": "conservación de registros", "ru": "ведение учёта",
		"ar": "حفظ السجلات", "zh-Hans": "记录保存",
	},
	"high-performance AI": {
		"fr": "IA à haute performance", "es": "IA de alto rendimiento", "ru": "высокопроизводительный ИИ",
		"ar": "الذكاء الاصطناعي عالي الأداء", "zh-Hans": "高性能人工智能",
	},
}

// EnglishTerms lists the English words and names the packs cite with:
// designator words, instrument names and glossary terms. Tests look for
// them in pages of other languages, where they mean a citation was left
// in English.
func EnglishTerms() []string {
	out := []string{"Art.", "Annex", "point", "subparagraph", "subparagraphs", "sentence", "item", "exception", "title", "part"}
	for name := range instruments {
		out = append(out, name)
	}
	for term := range glossary {
		out = append(out, term)
	}
	return out
}
