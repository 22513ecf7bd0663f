"""The playground's own texts (en and zh); the bot's catalogue (bot/texts.py) includes them."""

TEXTS: dict[str, dict[str, str]] = {
    "web_bad_name": {
        "en": "Please pick a display name (1 to 40 letters or digits).",
        "zh": "请取一个显示名（1 到 40 个字母或数字）。",
    },
    "web_bad_channel": {
        "en": "That channel name can't be used. Use letters, digits and dashes (up to 40).",
        "zh": "这个频道名不能用。请使用字母、数字和短横线（最多 40 个）。",
    },
    "web_not_your_dm": {
        "en": "That is someone else's direct chat.",
        "zh": "这是别人的私聊。",
    },
    "web_upload_too_big": {
        "en": "That file is too big (the limit is {limit}). Nothing was saved; please pick a smaller one.",
        "zh": "文件太大了（上限 {limit}），没有保存任何内容。请换一张小一点的图片。",
    },
    "web_upload_missing": {
        "en": "Please choose a picture to upload.",
        "zh": "请选择要上传的图片。",
    },
    "web_slow_down": {
        "en": "Hold on, I'm still answering your earlier messages. Please send that again in a moment.",
        "zh": "请稍等，我还在回复你之前的消息。请过一会儿再发一次。",
    },
    "web_button_expired": {
        "en": "That button has expired. Please run the command again.",
        "zh": "这个按钮已失效，请重新执行命令。",
    },
    "web_bad_frame": {
        "en": "That message could not be read (it must be valid text). Nothing was sent.",
        "zh": "这条消息无法读取（必须是有效的文本），没有发送。",
    },
    "web_bad_field": {
        "en": "The request's “{field}” {reason}.",
        "zh": "请求中的“{field}”{reason}。",
    },
    "web_upload_fields": {
        "en": "That upload has too many parts. Send one picture with your name and channel.",
        "zh": "上传的内容太多了。请只发送一张图片以及你的名字和频道。",
    },
}
