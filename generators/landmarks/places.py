"""Country and continent names in the catalogue's nine languages, for filtering and matching."""

from __future__ import annotations

LANGS: tuple[str, ...] = ("en", "zh", "ja", "ko", "fr", "es", "de", "ru", "ar")

CONTINENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "africa": {
        "en": ("Africa",),
        "zh": ("非洲",),
        "ja": ("アフリカ",),
        "ko": ("아프리카",),
        "fr": ("Afrique",),
        "es": ("África",),
        "de": ("Afrika",),
        "ru": ("Африка",),
        "ar": ("أفريقيا", "إفريقيا"),
    },
    "asia": {
        "en": ("Asia",),
        "zh": ("亚洲",),
        "ja": ("アジア",),
        "ko": ("아시아",),
        "fr": ("Asie",),
        "es": ("Asia",),
        "de": ("Asien",),
        "ru": ("Азия",),
        "ar": ("آسيا",),
    },
    "europe": {
        "en": ("Europe",),
        "zh": ("欧洲",),
        "ja": ("ヨーロッパ", "欧州"),
        "ko": ("유럽",),
        "fr": ("Europe",),
        "es": ("Europa",),
        "de": ("Europa",),
        "ru": ("Европа",),
        "ar": ("أوروبا",),
    },
    "north_america": {
        "en": ("North America",),
        "zh": ("北美洲", "北美"),
        "ja": ("北アメリカ", "北米"),
        "ko": ("북아메리카", "북미"),
        "fr": ("Amérique du Nord",),
        "es": ("América del Norte", "Norteamérica"),
        "de": ("Nordamerika",),
        "ru": ("Северная Америка",),
        "ar": ("أمريكا الشمالية",),
    },
    "south_america": {
        "en": ("South America",),
        "zh": ("南美洲", "南美"),
        "ja": ("南アメリカ", "南米"),
        "ko": ("남아메리카", "남미"),
        "fr": ("Amérique du Sud",),
        "es": ("América del Sur", "Sudamérica"),
        "de": ("Südamerika",),
        "ru": ("Южная Америка",),
        "ar": ("أمريكا الجنوبية",),
    },
    "oceania": {
        "en": ("Oceania", "Australasia"),
        "zh": ("大洋洲",),
        "ja": ("オセアニア",),
        "ko": ("오세아니아",),
        "fr": ("Océanie",),
        "es": ("Oceanía",),
        "de": ("Ozeanien",),
        "ru": ("Океания",),
        "ar": ("أوقيانوسيا",),
    },
}

# ISO 3166-1 alpha-2 code -> names; columns follow LANGS, several aliases joined by "|".
_COUNTRY_ROWS: dict[str, str] = {
    "FR": "France|法国|フランス|프랑스|France|Francia|Frankreich|Франция|فرنسا",
    "IT": "Italy|意大利|イタリア|이탈리아|Italie|Italia|Italien|Италия|إيطاليا",
    "GB": "United Kingdom;UK;Britain;England|英国|イギリス|영국|Royaume-Uni;Angleterre|Reino Unido;Inglaterra"
    "|Vereinigtes Königreich;Großbritannien;England|Великобритания;Англия|المملكة المتحدة;بريطانيا",
    "ES": "Spain|西班牙|スペイン|스페인|Espagne|España|Spanien|Испания|إسبانيا",
    "DE": "Germany|德国|ドイツ|독일|Allemagne|Alemania|Deutschland|Германия|ألمانيا",
    "GR": "Greece|希腊|ギリシャ|그리스|Grèce|Grecia|Griechenland|Греция|اليونان",
    "RU": "Russia|俄罗斯|ロシア|러시아|Russie|Rusia|Russland|Россия|روسيا",
    "CH": "Switzerland|瑞士|スイス|스위스|Suisse|Suiza|Schweiz|Швейцария|سويسرا",
    "NL": "Netherlands;Holland|荷兰|オランダ|네덜란드|Pays-Bas|Países Bajos;Holanda|Niederlande;Holland"
    "|Нидерланды;Голландия|هولندا",
    "CN": "China|中国|中国|중국|Chine|China|China|Китай|الصين",
    "JP": "Japan|日本|日本|일본|Japon|Japón|Japan|Япония|اليابان",
    "IN": "India|印度|インド|인도|Inde|India|Indien|Индия|الهند",
    "KH": "Cambodia|柬埔寨|カンボジア|캄보디아|Cambodge|Camboya|Kambodscha|Камбоджа|كمبوديا",
    "MY": "Malaysia|马来西亚|マレーシア|말레이시아|Malaisie|Malasia|Malaysia|Малайзия|ماليزيا",
    "SG": "Singapore|新加坡|シンガポール|싱가포르|Singapour|Singapur|Singapur|Сингапур|سنغافورة",
    "AE": "United Arab Emirates;UAE|阿联酋;阿拉伯联合酋长国|アラブ首長国連邦|아랍에미리트|Émirats arabes unis"
    "|Emiratos Árabes Unidos|Vereinigte Arabische Emirate|ОАЭ;Объединённые Арабские Эмираты|الإمارات",
    "KR": "South Korea;Korea|韩国|韓国|한국;대한민국|Corée du Sud;Corée|Corea del Sur;Corea|Südkorea;Korea"
    "|Южная Корея;Корея|كوريا الجنوبية",
    "EG": "Egypt|埃及|エジプト|이집트|Égypte|Egipto|Ägypten|Египет|مصر",
    "JO": "Jordan|约旦|ヨルダン|요르단|Jordanie|Jordania|Jordanien|Иордания|الأردن",
    "ZA": "South Africa|南非|南アフリカ|남아프리카 공화국;남아공|Afrique du Sud|Sudáfrica|Südafrika"
    "|ЮАР;Южная Африка|جنوب أفريقيا",
    "TZ": "Tanzania|坦桑尼亚|タンザニア|탄자니아|Tanzanie|Tanzania|Tansania|Танзания|تنزانيا",
    "ZM": "Zambia|赞比亚|ザンビア|잠비아|Zambie|Zambia|Sambia|Замбия|زامبيا",
    "MA": "Morocco|摩洛哥|モロッコ|모로코|Maroc|Marruecos|Marokko|Марокко|المغرب",
    "US": "United States;USA;America|美国|アメリカ;アメリカ合衆国|미국|États-Unis|Estados Unidos;EE. UU."
    "|Vereinigte Staaten;USA|США;Америка|الولايات المتحدة;أمريكا",
    "CA": "Canada|加拿大|カナダ|캐나다|Canada|Canadá|Kanada|Канада|كندا",
    "MX": "Mexico|墨西哥|メキシコ|멕시코|Mexique|México|Mexiko|Мексика|المكسيك",
    "BR": "Brazil|巴西|ブラジル|브라질|Brésil|Brasil|Brasilien|Бразилия|البرازيل",
    "PE": "Peru|秘鲁|ペルー|페루|Pérou|Perú|Peru|Перу|بيرو",
    "AR": "Argentina|阿根廷|アルゼンチン|아르헨티나|Argentine|Argentina|Argentinien|Аргентина|الأرجنتين",
    "CL": "Chile|智利|チリ|칠레|Chili|Chile|Chile|Чили|تشيلي",
    "AU": "Australia|澳大利亚;澳洲|オーストラリア|오스트레일리아;호주|Australie|Australia|Australien"
    "|Австралия|أستراليا",
    "NZ": "New Zealand|新西兰|ニュージーランド|뉴질랜드|Nouvelle-Zélande|Nueva Zelanda|Neuseeland"
    "|Новая Зеландия|نيوزيلندا",
    "TR": "Turkey;Türkiye|土耳其|トルコ|튀르키예;터키|Turquie|Turquía|Türkei|Турция|تركيا",
}


def _parse(row: str) -> dict[str, tuple[str, ...]]:
    cols = row.split("|")
    assert len(cols) == len(LANGS), row
    return {lang: tuple(col.split(";")) for lang, col in zip(LANGS, cols, strict=True)}


COUNTRIES: dict[str, dict[str, tuple[str, ...]]] = {code: _parse(row) for code, row in _COUNTRY_ROWS.items()}
