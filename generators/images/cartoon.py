"""Generated cartoon avatars: description words (en/zh) steer python-avatars options, the seed picks the rest."""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass
from typing import Any

from PIL import Image

# Hair styles by length; costume tops (astronaut, bride...) only come when asked for.
_HAIR_LENGTH = {
    "long": (
        "long_not_too_long",
        "straight_1",
        "straight_2",
        "straight_strand",
        "loose_hair",
        "big_hair",
        "curvy",
        "curly",
        "curly_2",
        "long_hair_curly",
        "dreads",
        "braids",
        "twist_long_hair",
        "twist_long_hair_2",
    ),
    "mid": ("bob", "frida", "mia_wallace", "fro", "fro_band", "bun", "wild", "wick", "dreadlocks"),
    "short": (
        "short_flat",
        "short_round",
        "short_waved",
        "short_curly",
        "caesar",
        "caesar_side_part",
        "sides",
        "shaggy",
        "shaggy_mullet",
        "shaved_sides",
        "frizzle",
        "short_dreads_1",
        "short_dreads_2",
        "buzzcut",
        "cornrows",
        "elvis",
        "half_shaved",
        "mohawk",
        "mowgli",
        "pixie",
        "pompadour",
        "quiff",
    ),
}
EVERYDAY_HAIR = tuple(s for group in _HAIR_LENGTH.values() for s in group) + ("no_hair",)
_LENGTH_OF = {s: length for length, group in _HAIR_LENGTH.items() for s in group}
HAIR_STYLES = {
    "curly": ("curly", "curly_2", "long_hair_curly", "short_curly", "fro", "frizzle"),
    "straight": ("straight_1", "straight_2", "straight_strand", "long_not_too_long"),
    "wavy": ("short_waved", "curvy", "loose_hair", "wild"),
    "bun": ("bun",),
    "bob": ("bob", "mia_wallace"),
    "bald": ("no_hair",),
    "braids": ("braids", "cornrows", "twist_long_hair", "twist_long_hair_2"),
    "dreads": ("dreads", "dreadlocks", "short_dreads_1", "short_dreads_2"),
    "afro": ("fro", "fro_band"),
    "mohawk": ("mohawk",),
    "pixie": ("pixie",),
    "buzz": ("buzzcut", "caesar"),
    "quiff": ("quiff", "pompadour", "elvis"),
    "astronaut": ("astronout",),
}
HATS = {
    "hat": ("hat", "winter_hat_1", "winter_hat_2", "winter_hat_3", "winter_hat_4"),
    "cap": ("hat",),
    "beanie": ("winter_hat_1", "winter_hat_2", "winter_hat_3", "winter_hat_4"),
    "hijab": ("hijab",),
    "turban": ("turban",),
    "chef": ("chef_cap",),
    "helmet": ("gladiator_helmet",),
    "hood": ("jedi",),
}
GLASSES = {
    "glasses": ("prescription_01", "prescription_02", "round", "wayfarers"),
    "round": ("round",),
    "sunglasses": ("sunglasses", "sunglasses_2", "wayfarers_2"),
    "eyepatch": ("eyepatch",),
}
FACIAL_HAIR = {
    "beard": ("beard_light", "beard_medium", "beard_magestic"),
    "big_beard": ("beard_magestic",),
    "stubble": ("beard_light",),
    "moustache": ("moustache_fancy", "moustache_magnum"),
}
CLOTHES = {
    "hoodie": ("hoodie",),
    "shirt": ("shirt_crew_neck", "shirt_scoop_neck", "shirt_v_neck"),
    "v_neck": ("shirt_v_neck",),
    "graphic": ("graphic_shirt",),
    "blazer": ("blazer_shirt", "blazer_sweater"),
    "suit": ("bond_suit",),
    "sweater": ("collar_sweater",),
    "overall": ("overall",),
    "astronaut": ("astronaut_suit",),
    "chef": ("chef",),
    "robe": ("jedi_robe",),
    "gladiator": ("gladiator",),
}
EVERYDAY_CLOTHES = (
    "blazer_shirt",
    "blazer_sweater",
    "collar_sweater",
    "graphic_shirt",
    "hoodie",
    "overall",
    "shirt_crew_neck",
    "shirt_scoop_neck",
    "shirt_v_neck",
)
GRAPHICS = ("bear", "deer", "diamond", "pizza", "bat", "hola")
EYES = ("default", "happy", "side", "squint", "wink", "surprised", "default", "happy")
EYEBROWS = ("default", "default_natural", "raised_excited", "raised_excited_natural", "flat_natural")
MOUTHS = ("default", "smile", "twinkle", "smile")
NOSES = ("default", "small", "wide")

# Colours as hex strings (some python-avatars colour names are missing; hex always works).
SKIN = {
    "pale": "#FFDBB4",
    "light": "#EDB98A",
    "yellow": "#F8D25C",
    "tanned": "#FD9841",
    "brown": "#D08B5B",
    "dark_brown": "#AE5D29",
    "black": "#614335",
}
NATURAL_SKIN = tuple(v for k, v in SKIN.items() if k != "yellow")  # yellow only when asked for
HAIR_COLOURS = {
    "black": "#2C1B18",
    "dark": "#2C1B18",
    "dark_brown": "#4A312C",
    "brown": "#724133",
    "light_brown": "#A55728",
    "auburn": "#A55728",
    "red": "#C93305",
    "orange": "#C93305",
    "blonde": "#D6B370",
    "dark_blonde": "#B58143",
    "yellow": "#D6B370",
    "gold": "#D6B370",
    "light": "#D6B370",
    "platinum": "#ECDCBF",
    "beige": "#ECDCBF",
    "grey": "#E8E1E1",
    "silver": "#E8E1E1",
    "white": "#E8E1E1",
    "pink": "#F59797",
    "blue": "#4A7BD0",
    "light_blue": "#8EC8F0",
    "navy": "#25557C",
    "green": "#3FA34D",
    "purple": "#8E5BD6",
}
NATURAL_HAIR = ("#2C1B18", "#4A312C", "#724133", "#A55728", "#C93305", "#B58143", "#D6B370", "#E8E1E1")
CLOTHING_COLOURS = {
    "pink": "#FF488E",
    "red": "#FF5C5C",
    "orange": "#FF8C42",
    "yellow": "#FFD23F",
    "gold": "#E0B84A",
    "green": "#3FA34D",
    "blue": "#5199E4",
    "light_blue": "#65C9FF",
    "navy": "#25557C",
    "purple": "#8E5BD6",
    "black": "#262E33",
    "dark": "#262E33",
    "white": "#FFFFFF",
    "grey": "#929598",
    "silver": "#E6E6E6",
    "light": "#E6E6E6",
    "brown": "#8B5A3C",
    "dark_brown": "#5C3A28",
    "light_brown": "#B5835A",
    "beige": "#E8D3B0",
    "blonde": "#E0B84A",
    "platinum": "#E6E6E6",
    "auburn": "#A55728",
}
EVERYDAY_CLOTHING_COLOURS = (
    "#262E33",
    "#65C9FF",
    "#5199E4",
    "#25557C",
    "#E6E6E6",
    "#929598",
    "#3C4F5C",
    "#B1E2FF",
    "#A7FFC4",
    "#FFDEB5",
    "#FF488E",
    "#FF5C5C",
    "#3FA34D",
    "#8E5BD6",
)
_SKIN_OF_COLOUR = {
    "white": "pale",
    "light": "light",
    "yellow": "yellow",
    "brown": "brown",
    "light_brown": "tanned",
    "dark_brown": "dark_brown",
    "dark": "dark_brown",
    "black": "black",
}

# ------------------------------------------------------------------------------------------ vocabulary
Effect = tuple[str, str]
_TERMS: dict[str, tuple[Effect, ...]] = {}


def _add(words: str, *effects: Effect) -> None:
    for word in words.split("|"):
        _TERMS[word] = effects


HAIR_NOUN: Effect = ("noun", "hair")
for key, en, zh in (
    ("pink", "pink", "粉色|粉红色|粉红|粉"),
    ("red", "red", "红色|红|大红色"),
    ("orange", "orange", "橙色|橘色|橙"),
    ("yellow", "yellow", "黄色|黄"),
    ("gold", "gold|golden", "金色|金黄色|金"),
    ("green", "green", "绿色|绿"),
    ("blue", "blue", "蓝色|蓝"),
    ("light_blue", "light blue|sky blue|baby blue", "浅蓝色|浅蓝|天蓝色|天蓝"),
    ("navy", "navy|dark blue|navy blue", "深蓝色|深蓝|藏青色|藏青"),
    ("purple", "purple|violet", "紫色|紫"),
    ("black", "black", "黑色|黑"),
    ("white", "white", "白色|白"),
    ("grey", "grey|gray", "灰色|灰"),
    ("silver", "silver", "银色|银白色|银"),
    ("brown", "brown", "棕色|棕|褐色|咖啡色"),
    ("dark_brown", "dark brown", "深棕色|深棕|深褐色"),
    ("light_brown", "light brown", "浅棕色|浅棕|浅褐色"),
    ("beige", "beige|cream", "米色|米白色"),
    ("dark", "dark", "深色"),
    ("light", "light", "浅色"),
):
    _add(f"{en}|{zh}", ("colour", key))
for key, words in (
    ("blonde", "blonde|blond|金发"),
    ("dark_blonde", "dark blonde|dark blond"),
    ("brown", "brunette|棕发"),
    ("red", "redhead|ginger|红发"),
    ("auburn", "auburn"),
    ("platinum", "platinum"),
    ("black", "黑发"),
    ("grey", "白发|灰发|银发"),
):
    _add(words, ("hair_color", key), HAIR_NOUN)
_add("hair|hairs|hairstyle|haircut|头发|发型|发", HAIR_NOUN)
_add("long hair|长发|长头发|披肩发", ("hair_len", "long"), HAIR_NOUN)
_add("long|长", ("hair_len", "long"))
_add("short hair|短发|短头发|寸头", ("hair_len", "short"), HAIR_NOUN)
_add("short", ("hair_len", "short"))
_add("长卷发", ("hair_len", "long"), ("hair_style", "curly"), HAIR_NOUN)
_add("短卷发", ("hair_len", "short"), ("hair_style", "curly"), HAIR_NOUN)
_add("curly|curls|卷发|卷毛|卷", ("hair_style", "curly"))
_add("straight|直发|直", ("hair_style", "straight"))
_add("wavy|波浪|波浪卷", ("hair_style", "wavy"))
_add("bun|top knot|ponytail|丸子头|发髻|盘发|马尾", ("hair_style", "bun"), HAIR_NOUN)
_add("bob|波波头", ("hair_style", "bob"), HAIR_NOUN)
_add("bald|shaved head|光头|秃头|秃", ("hair_style", "bald"), HAIR_NOUN)
_add("braids|braid|cornrows|辫子|编发|麻花辫", ("hair_style", "braids"), HAIR_NOUN)
_add("dreadlocks|dreads|locs|脏辫", ("hair_style", "dreads"), HAIR_NOUN)
_add("afro|爆炸头", ("hair_style", "afro"), HAIR_NOUN)
_add("mohawk|莫西干", ("hair_style", "mohawk"), HAIR_NOUN)
_add("pixie|pixie cut|精灵短发", ("hair_style", "pixie"), ("hair_len", "short"), HAIR_NOUN)
_add("buzz cut|buzzcut|crew cut|平头", ("hair_style", "buzz"), ("hair_len", "short"), HAIR_NOUN)
_add("quiff|pompadour|飞机头", ("hair_style", "quiff"), HAIR_NOUN)
for kind, words in (
    ("hat", "hat|帽子|帽"),
    ("cap", "cap|baseball cap|棒球帽|鸭舌帽"),
    ("beanie", "beanie|winter hat|bobble hat|毛线帽|冬帽|针织帽"),
    ("hijab", "hijab|headscarf|head scarf|头巾|盖头|希贾布"),
    ("turban", "turban|缠头巾|包头巾"),
    ("chef", "chef hat|chef's hat|厨师帽"),
    ("helmet", "helmet|头盔"),
):
    _add(words, ("hat", kind), ("noun", "hat"))
for kind, words in (
    ("glasses", "glasses|spectacles|specs|eyeglasses|眼镜|近视眼镜"),
    ("round", "round glasses|圆眼镜|圆框眼镜"),
    ("sunglasses", "sunglasses|shades|墨镜|太阳镜|太阳眼镜"),
    ("eyepatch", "eyepatch|eye patch|眼罩"),
):
    _add(words, ("accessory", kind), ("noun", "glasses"))
for kind, words in (
    ("beard", "beard|bearded|胡子|胡须|留胡子"),
    ("big_beard", "big beard|long beard|full beard|络腮胡|大胡子"),
    ("stubble", "stubble|胡茬"),
    ("moustache", "moustache|mustache|小胡子|八字胡"),
):
    _add(words, ("facial_hair", kind), ("noun", "beard"))
_add("clean shaven|shaved|刮干净", ("facial_hair", "none"))
# No random beard for someone described as a woman or a girl (a beard asked for still wins: later words do).
_add("woman|girl|lady|young woman|女人|女孩|女士|姑娘|女生", ("facial_hair", "none"))
for kind, words in (
    ("hoodie", "hoodie|hoody|sweatshirt|卫衣|连帽衫|连帽卫衣"),
    ("shirt", "shirt|t shirt|tshirt|tee|blouse|衬衫|衬衣|t恤|短袖|上衣"),
    ("v_neck", "v neck|v领"),
    ("graphic", "graphic tee|graphic t shirt|印花t恤|印花"),
    ("blazer", "blazer|jacket|coat|西装|外套|夹克"),
    ("suit", "suit|tuxedo|tux|礼服|燕尾服|正装"),
    ("sweater", "sweater|jumper|pullover|cardigan|毛衣|针织衫|开衫"),
    ("overall", "overalls|overall|dungarees|背带裤"),
    ("astronaut", "astronaut|spacesuit|space suit|宇航员|宇航服"),
    ("chef", "chef|厨师"),
    ("robe", "robe|jedi|长袍|绝地"),
    ("gladiator", "gladiator|角斗士"),
):
    _add(words, ("clothing", kind), ("noun", "clothing"))
for tone, words in (
    ("pale", "pale|fair|porcelain|白皙|皮肤白"),
    ("light", "light skinned"),
    ("tanned", "tan|tanned|olive|小麦色|古铜色"),
    ("brown", "brown skinned"),
    ("dark_brown", "dark skinned|dark skin|deep skin|黝黑|深色皮肤|皮肤黑"),
    ("black", "black skinned"),
):
    _add(words, ("skin", tone))
_add("dress|skirt|gown|连衣裙|裙子|长裙|裙", ("noun", "clothing"))  # no dresses to draw: just the colour
_add("shorts|trousers|jeans|pants|leggings|shoes|boots|短裤|裤子|牛仔裤|鞋子|靴子", ("noun", "unseen"))
_add("skin|skin tone|complexion|皮肤|肤色", ("noun", "skin"))
_add("eyes|eye|眼睛|瞳孔", ("noun", "eyes"))
_add("smile|smiling|smiley|happy|cheerful|joyful|微笑|笑容|开心|高兴|快乐|笑", ("mouth", "smile"))
_add("big smile|grin|grinning|laughing|laugh|大笑|哈哈", ("mouth", "big_smile"))
_add("serious|stern|严肃|酷|不笑", ("mouth", "serious"))
_add("no|without|not|never|不戴|没戴|没有|不要|无", ("neg", ""))

_ASCII = re.compile(r"[a-z0-9' ]+")


def _pattern() -> re.Pattern[str]:
    parts = []
    for term in sorted(_TERMS, key=len, reverse=True):
        if _ASCII.fullmatch(term):
            parts.append(rf"(?<![a-z0-9]){re.escape(term)}(?:e?s)?(?![a-z0-9])")
        else:
            parts.append(re.escape(term))
    return re.compile("|".join(parts))


_PATTERN = _pattern()
_CLAUSES = re.compile(r"[,，、;；。.!！?？\n/|]+")


def _lookup(text: str) -> tuple[Effect, ...]:
    for candidate in (text, text[:-1], text[:-2]):
        if candidate in _TERMS:
            return _TERMS[candidate]
    return ()


def parse_description(description: str) -> dict[str, str]:
    """Words of a description as steering choices, e.g. {'hair_len': 'long', 'clothing_color': 'pink'}."""
    text = re.sub(r"[-_]+", " ", description.lower()[:500])
    text = re.sub(r"\s+", " ", text)
    wants: dict[str, str] = {}
    for clause in _CLAUSES.split(text):
        pending: list[str] = []
        last_noun: str | None = None
        noun_end = -1
        colour_after_noun = False
        negate = False
        for match in _PATTERN.finditer(clause):
            for kind, value in _lookup(match.group(0)):
                if kind == "neg":
                    negate = True
                elif kind == "colour":
                    # "a hoodie in pink", "hair: brown": a colour right after its noun.
                    colour_after_noun = not pending and 0 <= match.start() - noun_end <= 4
                    pending.append(value)
                elif kind == "noun":
                    if pending:
                        _colour_noun(wants, value, pending[-1])
                        pending.clear()
                    last_noun, noun_end = value, match.end()
                elif kind in ("accessory", "facial_hair", "hat", "mouth"):
                    if negate:
                        wants[kind] = "serious" if kind == "mouth" else "none"
                        negate = False
                    else:
                        wants[kind] = value
                else:
                    wants[kind] = value
        if pending:
            if last_noun is not None and colour_after_noun:
                _colour_noun(wants, last_noun, pending[-1])
            else:
                wants.setdefault("clothing_color", pending[-1])  # a bare colour: most often the clothes
    return wants


def _colour_noun(wants: dict[str, str], noun: str, colour: str) -> None:
    if noun == "hair":
        wants["hair_color"] = colour
    elif noun == "clothing":
        wants["clothing_color"] = colour
    elif noun == "hat":
        wants["hat_color"] = colour
    elif noun == "beard":
        wants["facial_hair_color"] = colour
    elif noun == "skin" and colour in _SKIN_OF_COLOUR:
        wants["skin"] = _SKIN_OF_COLOUR[colour]
    # glasses and eyes take a colour we cannot draw: drop it rather than paint the clothes.


# ------------------------------------------------------------------------------------------ generator
@dataclass(frozen=True)
class CartoonOutput:
    """A cartoon avatar on a transparent square canvas and the options that drew it."""

    image: Image.Image
    options: dict[str, Any]


class CartoonAvatarGenerator:
    """Cartoon avatars from python-avatars, rasterised in memory with cairosvg; no weights."""

    def __init__(self) -> None:
        import cairosvg  # noqa: F401  (fail early if the renderer is missing)
        import python_avatars  # noqa: F401

    @classmethod
    def from_pretrained(cls) -> CartoonAvatarGenerator:
        """Nothing to load; here for the same shape as the other generators."""
        return cls()

    @staticmethod
    def choose_options(description: str, seed: int) -> dict[str, Any]:
        """The full option set: words decide what they name, the seed decides everything else."""
        wants = parse_description(description)

        def pick(name: str, choices: tuple[str, ...]) -> str:
            # One stream per option, so adding a word changes only what it names.
            return random.Random(f"{seed}:{name}").choice(choices)

        def chance(name: str, p: float) -> bool:
            return random.Random(f"{seed}:{name}?").random() < p

        steered: set[str] = set()
        hair_pool = EVERYDAY_HAIR
        if "hair_style" in wants:
            hair_pool = HAIR_STYLES[wants["hair_style"]]
        if "hair_len" in wants and wants.get("hair_style") != "bald":
            length = wants["hair_len"]
            fitting = tuple(s for s in hair_pool if _LENGTH_OF.get(s) == length)
            hair_pool = fitting or hair_pool
        if "hair_style" in wants or "hair_len" in wants:
            steered.add("top")
        hair = pick("hair", hair_pool)
        top, top_kind = hair, "hair"
        hat_word = wants.get("hat")
        if hat_word and hat_word != "none":
            top, top_kind = pick("hat", HATS[hat_word]), "hat"
            steered.add("top")
        elif "clothing" in wants and wants["clothing"] == "astronaut" and "top" not in steered:
            top = "astronout"
        elif "clothing" in wants and wants["clothing"] == "chef" and "top" not in steered:
            top, top_kind = "chef_cap", "hat"
        elif hat_word is None and "top" not in steered and chance("hat", 0.08):
            top, top_kind = pick("hat", HATS["beanie"] + HATS["cap"]), "hat"

        options: dict[str, Any] = {"top": top, "top_kind": top_kind}
        options["hair_color"] = _steer(wants, "hair_color", HAIR_COLOURS, steered) or pick(
            "hair_color", NATURAL_HAIR
        )
        options["hat_color"] = _steer(wants, "hat_color", CLOTHING_COLOURS, steered) or pick(
            "hat_color", EVERYDAY_CLOTHING_COLOURS
        )
        accessory = wants.get("accessory")
        if accessory is not None:
            steered.add("accessory")
            options["accessory"] = "none" if accessory == "none" else pick("accessory", GLASSES[accessory])
        else:
            options["accessory"] = (
                pick("accessory", GLASSES["glasses"]) if chance("accessory", 0.2) else "none"
            )
        facial = wants.get("facial_hair")
        if facial is not None:
            steered.add("facial_hair")
            options["facial_hair"] = "none" if facial == "none" else pick("facial_hair", FACIAL_HAIR[facial])
        elif chance("facial_hair", 0.15) and top_kind == "hair":
            options["facial_hair"] = pick("facial_hair", FACIAL_HAIR["beard"] + FACIAL_HAIR["moustache"])
        else:
            options["facial_hair"] = "none"
        options["facial_hair_color"] = (
            _steer(wants, "facial_hair_color", HAIR_COLOURS, steered) or options["hair_color"]
        )
        if "clothing" in wants:
            steered.add("clothing")
            options["clothing"] = pick("clothing", CLOTHES[wants["clothing"]])
        else:
            options["clothing"] = pick("clothing", EVERYDAY_CLOTHES)
        options["clothing_color"] = _steer(wants, "clothing_color", CLOTHING_COLOURS, steered) or pick(
            "clothing_color", EVERYDAY_CLOTHING_COLOURS
        )
        options["shirt_graphic"] = (
            pick("graphic", GRAPHICS) if options["clothing"] == "graphic_shirt" else "none"
        )
        if "skin" in wants:
            steered.add("skin_color")
            options["skin_color"] = SKIN[wants["skin"]]
        else:
            options["skin_color"] = pick("skin", NATURAL_SKIN)
        options["eyes"] = pick("eyes", EYES)
        options["eyebrows"] = pick("eyebrows", EYEBROWS)
        if "mouth" in wants:
            steered.add("mouth")
            options["mouth"] = wants["mouth"]
            if wants["mouth"] in ("smile", "big_smile") and options["eyes"] in ("squint", "surprised"):
                options["eyes"] = "happy"
        else:
            options["mouth"] = pick("mouth", MOUTHS)
        options["nose"] = pick("nose", NOSES)
        options["steered"] = sorted(steered)
        return options

    def __call__(self, description: str, *, seed: int, size: int = 512) -> CartoonOutput:
        """Draw a cartoon avatar; the same description and seed give identical pixels."""
        if not 32 <= size <= 2048:
            raise ValueError(f"size must be 32..2048, got {size}")
        options = self.choose_options(description, seed)
        return CartoonOutput(render_avatar(options, size), options)


def _steer(wants: dict[str, str], key: str, palette: dict[str, str], steered: set[str]) -> str | None:
    colour = wants.get(key)
    if colour is None or colour not in palette:
        return None
    steered.add(key)
    return palette[colour]


def _none(value: str) -> str:
    return "" if value == "none" else value


def render_avatar(options: dict[str, Any], size: int) -> Image.Image:
    """Rasterise the options to a transparent size x size RGBA, standing at the bottom centre."""
    import cairosvg
    import python_avatars as pa

    top = pa.HairType(options["top"]) if options["top_kind"] == "hair" else pa.HatType(options["top"])
    avatar = pa.Avatar(
        style=pa.AvatarStyle.TRANSPARENT,
        top=top,
        hat_color=options["hat_color"],
        eyebrows=pa.EyebrowType(options["eyebrows"]),
        eyes=pa.EyeType(options["eyes"]),
        nose=pa.NoseType(options["nose"]),
        mouth=pa.MouthType(options["mouth"]),
        facial_hair=pa.FacialHairType(_none(options["facial_hair"])),
        skin_color=options["skin_color"],
        hair_color=options["hair_color"],
        facial_hair_color=options["facial_hair_color"],
        accessory=pa.AccessoryType(_none(options["accessory"])),
        clothing=pa.ClothingType(options["clothing"]),
        clothing_color=options["clothing_color"],
        shirt_graphic=pa.ClothingGraphic(_none(options["shirt_graphic"])),
    )
    svg = avatar.render()
    # cairosvg draws masked fills wrongly below the SVG's native 264x280, so never rasterise smaller.
    render_h = max(size, 300)
    png = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_height=render_h)
    figure = Image.open(io.BytesIO(png)).convert("RGBA")
    figure.load()
    if render_h != size:
        width = max(1, round(figure.width * size / figure.height))
        figure = figure.resize((width, size), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    canvas.alpha_composite(figure, ((size - figure.width) // 2, size - figure.height))
    return canvas
