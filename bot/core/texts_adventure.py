"""Localised texts of the adventure feature (avatars, places, postcards, journal)."""

TEXTS: dict[str, dict[str, str]] = {
    "file_not_found": {
        "en": "File not found: {path}. Give the path of a picture (PNG, JPEG or WEBP), or attach one.",
        "zh": "找不到文件：{path}。请给出一张图片（PNG、JPEG 或 WEBP）的路径，或者直接附上图片。",
    },
    "disk_full": {
        "en": "The bot's disk is full, so I couldn't save that picture. Please tell the bot's operator.",
        "zh": "机器人的磁盘已满，所以没能保存这张图片。请告诉机器人的管理员。",
    },
    "avatar_usage": {
        "en": "Avatar commands: /avatar set (attach a picture), /avatar create [description, e.g. long brown hair, "
        "glasses, pink hoodie], /avatar show, /avatar delete",
        "zh": "头像命令：/avatar set（附上一张图片）、/avatar create [描述，例如 长发 眼镜 粉色卫衣]、/avatar show、/avatar delete",
    },
    "avatar_need_image": {
        "en": "Attach a picture (PNG, JPEG or WEBP) to /avatar set, or try /avatar create for a cartoon.",
        "zh": "请在 /avatar set 中附上一张图片（PNG、JPEG 或 WEBP），或者用 /avatar create 生成卡通头像。",
    },
    "avatar_saved": {
        "en": "Your avatar is ready (cut out with {method}).",
        "zh": "你的头像准备好了（抠图方式：{method}）。",
    },
    "avatar_created": {
        "en": "Here's your cartoon avatar (seed {seed}). Try /adventure paris!",
        "zh": "这是你的卡通头像（种子 {seed}）。试试 /adventure 巴黎！",
    },
    "avatar_auto": {
        "en": "You had no avatar yet, so I drew you a cartoon one. Use /avatar set or /avatar create to change it.",
        "zh": "你还没有头像，所以我给你画了一个卡通头像。可以用 /avatar set 或 /avatar create 更换。",
    },
    "avatar_show": {"en": "Your avatar ({method}).", "zh": "你的头像（{method}）。"},
    "avatar_none": {
        "en": "You don't have an avatar yet. Use /avatar set or /avatar create.",
        "zh": "你还没有头像。请使用 /avatar set 或 /avatar create。",
    },
    "avatar_deleted": {"en": "Your avatar is deleted.", "zh": "你的头像已删除。"},
    "method_alpha": {"en": "the picture's own transparency", "zh": "图片自带的透明通道"},
    "method_mediapipe": {"en": "person segmentation (MediaPipe)", "zh": "人像分割（MediaPipe）"},
    "method_transformers": {"en": "a segmentation model", "zh": "分割模型"},
    "method_sticker-face": {"en": "a sticker crop around your face", "zh": "围绕脸部的贴纸裁剪"},
    "method_sticker-centre": {"en": "a sticker crop of the centre", "zh": "居中的贴纸裁剪"},
    "method_cartoon": {"en": "a generated cartoon", "zh": "生成的卡通形象"},
    "image_empty": {
        "en": "That file is empty. Please send a picture.",
        "zh": "这个文件是空的，请发送一张图片。",
    },
    "image_too_big": {
        "en": "That picture is too big (the limit is {limit_mb} MB). Please send a smaller one.",
        "zh": "图片太大了（上限 {limit_mb} MB），请发送小一点的图片。",
    },
    "image_unsupported": {
        "en": "I can only use {formats} pictures.",
        "zh": "我只能使用 {formats} 格式的图片。",
    },
    "image_too_many_pixels": {
        "en": "That picture has too many pixels for me. Please send a smaller one.",
        "zh": "这张图片像素太多了，请发送小一点的图片。",
    },
    "image_corrupt": {
        "en": "That picture seems damaged or incomplete. Could you send it again?",
        "zh": "这张图片似乎已损坏或不完整，能再发一次吗？",
    },
    "image_bad_shape": {
        "en": "That picture is a very thin strip. Please send a normal photo.",
        "zh": "这张图片是一条很细的长条，请发送一张正常的照片。",
    },
    "adventure_usage": {
        "en": "Where to? Any city or town on Earth, e.g. /adventure kyoto, /adventure 巴黎 seed:42 format:4:5. "
        "Signature scenes: {examples}. See /landmarks for all of them.",
        "zh": "想去哪里？地球上任何城市或小镇都可以，例如 /adventure 京都、/adventure paris seed:42 format:4:5。"
        "特色场景：{examples}。全部特色场景见 /landmarks。",
    },
    "place_unknown": {
        "en": "I don't know a place called \u201c{place}\u201d (any real city or town works). "
        "Did you mean: {suggestions}?",
        "zh": "我不知道叫\u201c{place}\u201d的地方（任何真实的城市或小镇都可以）。你是想去：{suggestions}？",
    },
    "place_which": {
        "en": "Which {place} do you mean? {options}",
        "zh": "你说的是哪个{place}？{options}",
    },
    "seed_invalid": {
        "en": "The seed must be a whole number from 0 to {max} (got \u201c{value}\u201d).",
        "zh": "种子必须是 0 到 {max} 之间的整数（收到\u201c{value}\u201d）。",
    },
    "format_invalid": {
        "en": "Unknown format \u201c{value}\u201d. Use 1:1, 4:5 or 9:16.",
        "zh": "未知格式\u201c{value}\u201d。请使用 1:1、4:5 或 9:16。",
    },
    "queued": {
        "en": "Packing your bags for {place}! You're number {position} in the queue.",
        "zh": "正在为你打包去{place}的行李！你排在第 {position} 位。",
    },
    "job_busy": {
        "en": "Your previous adventure is still on its way. One at a time, please!",
        "zh": "你上一次的旅行还在路上，请一次一个！",
    },
    "queue_full": {
        "en": "So many travellers right now! The queue is full; please try again in a minute.",
        "zh": "现在出行的人太多了！队列已满，请一分钟后再试。",
    },
    "queue_closed": {
        "en": "I'm restarting; please send that again in a moment.",
        "zh": "我正在重启，请稍后再发一次。",
    },
    "job_timeout": {
        "en": "Sorry, that postcard took too long to make. Please try again.",
        "zh": "抱歉，这张明信片做得太久了，请再试一次。",
    },
    "image_failed": {
        "en": "Sorry, I couldn't make that postcard. Please try again.",
        "zh": "抱歉，我没能做出这张明信片，请再试一次。",
    },
    "cooldown": {
        "en": "Your avatar is catching its breath: try again in {seconds} s.",
        "zh": "你的头像在休息：请 {seconds} 秒后再试。",
    },
    "quota": {
        "en": "You've reached today's limit of {quota} adventure{quota_s}. See you tomorrow!",
        "zh": "你今天已达到 {quota} 次旅行的上限，明天见！",
    },
    "friend_no_avatar": {
        "en": "{name} has no avatar yet, so they'll miss this trip.",
        "zh": "{name} 还没有头像，这次就不能同行了。",
    },
    "friend_not_found": {
        "en": "I couldn't find {names} here; mention them so I know who you mean.",
        "zh": "我在这里找不到 {names}；请 @ 提到他们。",
    },
    "made_by_illustrated": {
        "en": "🎨 Drawn offline by the illustrated renderer · seed {seed}",
        "zh": "🎨 由离线插画渲染器绘制 · 种子 {seed}",
    },
    "made_by_diffusers": {
        "en": "🖼️ Painted by the diffusers image model · seed {seed}",
        "zh": "🖼️ 由 diffusers 图像模型绘制 · 种子 {seed}",
    },
    "button_reroll": {"en": "🎲 Reroll", "zh": "🎲 换一张"},
    "button_motion": {"en": "🎞 Motion", "zh": "🎞 动图"},
    "motion_caption": {
        "en": "🎞 {place} in motion (seed {seed})",
        "zh": "🎞 会动的{place}（种子 {seed}）",
    },
    "adventure_gone": {
        "en": "I can't find that adventure any more. Start a new one with /adventure.",
        "zh": "找不到那次旅行了。用 /adventure 开始新的旅行吧。",
    },
    "journal_empty": {
        "en": "Your passport is still empty. Try /adventure paris!",
        "zh": "你的护照还是空的。试试 /adventure 巴黎！",
    },
    "journal_header": {
        "en": "Your travel journal: {trips} trip{trips_s}, {places} place{places_s}.",
        "zh": "你的旅行日志：{trips} 次旅行，{places} 个地方。",
    },
    "journal_hint": {"en": "See your passport page with /passport.", "zh": "用 /passport 查看你的护照页。"},
    "passport_caption": {"en": "Your passport: {count} stamp{count_s}.", "zh": "你的护照：{count} 个印章。"},
    "landmarks_header": {
        "en": "{count} signature scene{count_s} (and any city or town on Earth works too, e.g. /adventure kyoto):",
        "zh": "{count} 个特色场景（地球上任何城市或小镇也都可以去，例如 /adventure 京都）：",
    },
    "landmarks_none": {
        "en": "No landmarks match \u201c{query}\u201d. Try a continent (Europe, Asia…) or a country.",
        "zh": "没有匹配\u201c{query}\u201d的地标。试试大洲（欧洲、亚洲……）或国家。",
    },
}
