// Avatar Adventures playground: a small group-chat client. All text is inserted as text nodes (never HTML).
"use strict";

(() => {
  const INDICATOR = " ⚪";
  const NAME_KEY = "aa.name";
  const CHANNEL_KEY = "aa.channel";
  const $ = (id) => document.getElementById(id);

  const state = {
    name: "",
    me: "",
    channel: "",
    kind: "group",
    channels: [],
    personas: [],
    persona: null,
    config: { max_upload_bytes: 0, max_message_chars: 4000 },
    ws: null,
    wsSerial: 0,
    retry: 0,
    buffering: false,
    buffer: [],
    replying: false,
    replyTo: "",
    typingTimer: null,
  };
  const lang = () => navigator.language || "en";

  // ---------------------------------------------------------------- text rendering
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Markdown-ish: **bold**, `code`; line breaks come from `white-space: pre-wrap`.
  function renderRich(target, text) {
    target.replaceChildren();
    const pattern = /(\*\*[^*\n]+\*\*|`[^`\n]+`)/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) target.append(document.createTextNode(text.slice(last, match.index)));
      const token = match[0];
      if (token.startsWith("**")) target.append(el("strong", "", token.slice(2, -2)));
      else target.append(el("code", "", token.slice(1, -1)));
      last = match.index + token.length;
    }
    if (last < text.length) target.append(document.createTextNode(text.slice(last)));
  }

  function timeOf(at) {
    const d = at ? new Date(at) : new Date();
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // ---------------------------------------------------------------- message list
  const list = () => $("messages");
  const nearBottom = () => {
    const box = list();
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  };
  const scrollDown = () => { list().scrollTop = list().scrollHeight; };

  function setBubbleText(node, text) {
    const streaming = text.endsWith(INDICATOR);
    const shown = streaming ? text.slice(0, -INDICATOR.length) : text;
    node.classList.toggle("streaming", streaming);
    renderRich(node.querySelector(".bubble"), shown);
  }

  function addMessage(ev) {
    const stick = nearBottom();
    list().querySelector(".empty")?.remove();
    const isBot = ev.role === "bot";
    const node = el("div", "msg " + (isBot ? "bot" : "user"));
    if (!isBot && ev.author_id && ev.author_id === state.me) node.classList.add("mine");
    if (ev.id) node.dataset.id = ev.id;
    node.dataset.role = isBot ? "bot" : "user";

    const meta = el("div", "meta");
    const author = el("span", "author", isBot ? (ev.author || state.persona?.name || "Bot") : (ev.author || ""));
    // A channel with several personas: each bot message carries its persona's colour.
    const colour = isBot && typeof ev.colour === "string" && /^#[0-9a-f]{6}$/i.test(ev.colour) ? ev.colour : "";
    if (colour) {
      author.style.color = colour;
      node.classList.add("persona");
      node.style.setProperty("--persona", colour);
    }
    meta.append(author);
    meta.append(el("time", "", timeOf(ev.at)));
    if (ev.mention && state.persona) meta.append(el("span", "tag", "@" + state.persona.name));
    if (ev.reply) meta.append(el("span", "tag", "↩ reply"));
    if (ev.attachment) meta.append(el("span", "tag", "attached " + ev.attachment));
    if (isBot && state.kind === "group") {
      const reply = el("button", "reply-btn", "↩ Reply");
      reply.type = "button";
      reply.setAttribute("aria-label", "Reply to this message");
      reply.addEventListener("click", () => startReply(node));
      meta.append(reply);
    }
    node.append(meta);
    node.append(el("div", "bubble"));
    setBubbleText(node, ev.text || "");

    if (ev.image) {
      const link = el("a", "image-link");
      link.href = ev.image;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      const img = el("img", "image");
      img.src = ev.image;
      img.alt = (ev.text || "image").split("\n")[0].slice(0, 120);
      img.addEventListener("load", () => { if (stick) scrollDown(); });
      link.append(img);
      node.append(link);
    }
    if (ev.video) {
      const video = el("video", "image motion");
      video.src = ev.video;
      video.muted = true;
      video.loop = true;
      video.autoplay = true;
      video.playsInline = true;
      video.setAttribute("muted", "");
      video.setAttribute("playsinline", "");
      video.setAttribute("aria-label", (ev.text || "animation").split("\n")[0].slice(0, 120));
      video.addEventListener("loadeddata", () => { if (stick) scrollDown(); });
      node.append(video);
    }
    if (ev.audio) {
      const audio = el("audio", "voice");
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = ev.audio;
      audio.setAttribute("aria-label", (ev.text || "voice note").split("\n")[0].slice(0, 120));
      node.append(audio);
    }
    if (ev.buttons && ev.buttons.length) {
      const row = el("div", "buttons");
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", "Message actions");
      for (const b of ev.buttons) {
        const btn = el("button", "", b.label);
        btn.type = "button";
        btn.addEventListener("click", () => pressButton(ev.id, b.action, btn));
        row.append(btn);
      }
      node.append(row);
    }
    list().append(node);
    if (isBot) hideTyping();
    if (stick || !isBot) scrollDown();
  }

  function addReaction(ev) {
    const node = list().querySelector(`.msg[data-id="${CSS.escape(ev.id || "")}"]`);
    if (!node || typeof ev.emoji !== "string") return;
    let row = node.querySelector(".reactions");
    if (!row) {
      row = el("div", "reactions");
      node.append(row);
    }
    const badge = el("span", "reaction", ev.emoji.slice(0, 16));
    badge.title = (state.persona?.name || "Bot") + " reacted";
    row.append(badge);
  }

  function editMessage(ev) {
    const node = list().querySelector(`.msg[data-id="${CSS.escape(ev.id)}"]`);
    if (!node) return;
    const stick = nearBottom();
    setBubbleText(node, ev.text || "");
    hideTyping();
    if (stick) scrollDown();
  }

  function addNotice(text, isError) {
    const stick = nearBottom();
    const node = el("div", "notice" + (isError ? " error" : ""), text);
    if (isError) node.setAttribute("role", "alert");
    list().append(node);
    if (stick || isError) scrollDown();
  }

  function showTyping() {
    const t = $("typing");
    t.textContent = `${state.persona ? state.persona.name : "The bot"} is typing…`;
    t.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(hideTyping, 8000);
  }
  function hideTyping() {
    clearTimeout(state.typingTimer);
    $("typing").hidden = true;
  }

  // ---------------------------------------------------------------- header, hint, personas
  function setPersona(p) {
    state.persona = p;
    $("persona-name").textContent = p.name;
    $("persona-tagline").textContent = p.tagline || "";
    $("persona-initial").textContent = (p.name || "?").trim().charAt(0).toUpperCase();
    $("persona-select").value = p.id;
    document.title = `${p.name} · Avatar Adventures`;
    renderChannels();
    updateHint();
  }

  function updateHint() {
    const who = state.persona ? state.persona.name : "the bot";
    const hint = $("hint");
    if (state.kind === "direct") {
      hint.textContent = `Your direct chat: ${who} answers every message.`;
    } else if ($("mention").checked) {
      hint.textContent = `In group channels ${who} only answers when @mentioned, replied to, or called by name. ` +
        `@mention is on, so your messages mention ${who}.`;
    } else {
      hint.textContent = `In group channels ${who} only answers when @mentioned, replied to (↩ Reply), ` +
        `or called by name ("${who}"). Turn on @mention to always get an answer.`;
    }
    $("input").placeholder = state.kind === "direct" ? `Message ${who}…` : `Message #${state.channel}…`;
    $("mention").closest("label").hidden = state.kind === "direct";
  }

  async function loadPersonas() {
    const res = await fetch("/api/personas");
    state.personas = await res.json();
    const select = $("persona-select");
    select.replaceChildren();
    for (const p of state.personas) {
      const opt = el("option", "", p.name);
      opt.value = p.id;
      select.append(opt);
    }
    if (state.persona) select.value = state.persona.id;
  }

  // ---------------------------------------------------------------- channels
  function channelLabel(c) {
    if (c.kind === "direct") return `@ DM with ${state.persona && state.channel === c.id ? state.persona.name : "the bot"}`;
    return "# " + c.title;
  }

  function renderChannels() {
    const ul = $("channel-list");
    ul.replaceChildren();
    for (const c of state.channels) {
      const li = el("li");
      const btn = el("button", "", channelLabel(c));
      btn.type = "button";
      btn.dataset.channel = c.id;
      if (c.id === state.channel) btn.setAttribute("aria-current", "true");
      btn.addEventListener("click", () => switchChannel(c.id));
      li.append(btn);
      ul.append(li);
    }
  }

  async function loadChannels() {
    const res = await fetch(`/api/channels?${query()}`);
    if (res.ok) state.channels = await res.json();
    renderChannels();
  }

  function query(extra) {
    const q = new URLSearchParams({ name: state.name, lang: lang(), ...(extra || {}) });
    return q.toString();
  }

  function switchChannel(id) {
    if (!state.channels.some((c) => c.id === id)) id = "lobby";
    state.channel = id;
    state.kind = (state.channels.find((c) => c.id === id) || {}).kind || "group";
    localStorage.setItem(CHANNEL_KEY, id);
    cancelReply();
    hideTyping();
    list().replaceChildren();
    $("channel-title").textContent = state.kind === "direct" ? "direct chat" : "#" + id;
    renderChannels();
    updateHint();
    connect();
  }

  // ---------------------------------------------------------------- websocket
  function setConn(text, cls) {
    const c = $("conn");
    c.textContent = text;
    c.className = "conn " + (cls || "");
  }

  function connect() {
    if (state.ws) {
      state.ws.onclose = null;
      state.ws.close();
    }
    const serial = ++state.wsSerial;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/ws?${query({ channel: state.channel })}`);
    state.ws = ws;
    state.buffering = true;
    state.buffer = [];
    setConn("connecting…");
    ws.onmessage = (e) => {
      if (serial !== state.wsSerial) return;
      const ev = JSON.parse(e.data);
      if (ev.type === "hello") return onHello(ev, serial);
      if (state.buffering) state.buffer.push(ev);
      else handleEvent(ev);
    };
    ws.onclose = () => {
      if (serial !== state.wsSerial) return;
      setConn("offline, reconnecting…", "bad");
      state.retry = Math.min(state.retry + 1, 5);
      setTimeout(() => { if (serial === state.wsSerial) connect(); }, 600 * state.retry);
    };
  }

  async function onHello(ev, serial) {
    state.retry = 0;
    state.kind = ev.channel.kind;
    setPersona(ev.persona);
    try {
      const res = await fetch(`/api/history?${query({ channel: state.channel })}`);
      const rows = res.ok ? await res.json() : [];
      if (serial !== state.wsSerial) return;
      list().replaceChildren();
      for (const row of rows) addMessage({ ...row, author_id: row.role === "user" && row.author === state.name ? state.me : "" });
      if (!rows.length) list().append(el("div", "empty", emptyText()));
    } catch (err) {
      addNotice("Could not load the history.", true);
    }
    state.buffering = false;
    for (const queued of state.buffer.splice(0)) handleEvent(queued);
    setConn("connected", "ok");
    scrollDown();
  }

  function emptyText() {
    const who = state.persona ? state.persona.name : "the bot";
    const greet = state.persona && state.personas.find((p) => p.id === state.persona.id)?.greeting;
    return (greet ? `${who}: “${greet}”\n` : "") + "No messages yet. Say hi!";
  }

  function handleEvent(ev) {
    if (ev.type === "message") addMessage(ev);
    else if (ev.type === "edit") editMessage(ev);
    else if (ev.type === "reaction") addReaction(ev);
    else if (ev.type === "typing") showTyping();
    else if (ev.type === "persona") setPersona(ev.persona);
    else if (ev.type === "notice") addNotice(ev.text, !!ev.error);
  }

  // ---------------------------------------------------------------- sending
  function say(text) {
    if (!text.trim()) return false;
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) {
      addNotice("Not connected yet; your message was not sent. Try again in a moment.", true);
      return false;
    }
    state.ws.send(JSON.stringify({
      type: "say", text, mention: $("mention").checked, reply: state.replying,
      reply_to: state.replying ? state.replyTo : "", lang: lang(),
    }));
    cancelReply();
    return true;
  }

  function startReply(node) {
    state.replying = true;
    state.replyTo = node.dataset.id || "";
    const who = node.querySelector(".author")?.textContent || "the bot";
    $("reply-text").textContent = `Replying to ${who}`;
    $("reply-bar").hidden = false;
    $("input").focus();
  }
  function cancelReply() {
    state.replying = false;
    state.replyTo = "";
    $("reply-bar").hidden = true;
  }

  async function postJSON(url, body) {
    const res = await fetch(url, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let data = {};
    try { data = await res.json(); } catch (err) { data = {}; }
    return { ok: res.ok, data };
  }

  async function pressButton(messageId, action, btn) {
    btn.disabled = true;
    const { ok, data } = await postJSON("/api/action", {
      name: state.name, channel: state.channel, message_id: messageId, action, lang: lang(),
    });
    btn.disabled = false;
    if (!ok) addNotice(data.error || "That button did not work.", true);
  }

  function humanSize(n) {
    if (n >= 1048576) return `${+(n / 1048576).toPrecision(3)} MB`;
    if (n >= 1024) return `${+(n / 1024).toPrecision(3)} KB`;
    return `${n} bytes`;
  }

  async function upload(file) {
    const cap = state.config.max_upload_bytes;
    if (cap && file.size > cap) {
      addNotice(`That file is too big (the limit is ${humanSize(cap)}). Nothing was uploaded.`, true);
      return;
    }
    const form = new FormData();
    form.append("name", state.name);
    form.append("channel", state.channel);
    form.append("lang", lang());
    form.append("file", file, file.name);
    try {
      const res = await fetch(`/api/upload?lang=${encodeURIComponent(lang())}`, { method: "POST", body: form });
      if (!res.ok) {
        let data = {};
        try { data = await res.json(); } catch (err) { data = {}; }
        addNotice(data.error || `Upload failed (${res.status}).`, true);
      }
    } catch (err) {
      addNotice("Upload failed: the connection was interrupted.", true);
    }
  }

  // ---------------------------------------------------------------- names
  function askName() {
    $("name-input").value = state.name || "";
    $("name-dialog").hidden = false;
    $("name-input").focus();
  }

  function slug(name) {
    return name.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 40);
  }

  async function setName(name) {
    name = name.replace(/\s+/g, " ").trim().slice(0, 40);
    if (!slug(name)) return false;
    const previousDm = state.me ? "dm-" + state.me : "";
    state.name = name;
    state.me = slug(name);
    localStorage.setItem(NAME_KEY, name);
    $("me-name").textContent = name;
    $("name-dialog").hidden = true;
    await loadChannels();
    let target = state.channel || localStorage.getItem(CHANNEL_KEY) || "lobby";
    if (target === previousDm || (target.startsWith("dm-") && target !== "dm-" + state.me)) target = "dm-" + state.me;
    switchChannel(target);
    return true;
  }

  // ---------------------------------------------------------------- wiring
  function wire() {
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("input");
      if (say(input.value)) input.value = "";
      input.style.height = "";
    });
    $("input").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("input").addEventListener("input", (e) => {
      e.target.style.height = "";
      e.target.style.height = Math.min(e.target.scrollHeight, 160) + "px";
    });
    $("mention").addEventListener("change", updateHint);
    $("reply-cancel").addEventListener("click", cancelReply);
    $("upload-input").addEventListener("change", (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) upload(file);
      e.target.value = "";
    });
    $("persona-select").addEventListener("change", (e) => {
      if (!state.persona || e.target.value !== state.persona.id) say("/persona " + e.target.value);
    });
    $("add-channel").addEventListener("submit", async (e) => {
      e.preventDefault();
      const title = $("new-channel").value.trim();
      if (!title) return;
      const { ok, data } = await postJSON("/api/channels", { name: state.name, title, lang: lang() });
      if (!ok) return addNotice(data.error || "Could not add that channel.", true);
      $("new-channel").value = "";
      await loadChannels();
      switchChannel(data.id);
    });
    $("change-name").addEventListener("click", askName);
    $("name-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!(await setName($("name-input").value))) $("name-input").setCustomValidity("Use letters or digits");
    });
    $("name-input").addEventListener("input", (e) => e.target.setCustomValidity(""));
    const suggestions = $("name-suggestions");
    for (const n of ["Ann", "Ben", "Chen", "Dara", "Ema"]) {
      const b = el("button", "", n);
      b.type = "button";
      b.addEventListener("click", () => { $("name-input").value = n; });
      suggestions.append(b);
    }
  }

  async function loadQuickButtons() {
    const { quick } = await (await fetch("/api/commands")).json();
    const upload = document.querySelector(".quick .upload-btn");
    for (const q of quick) {
      const btn = el("button", "quick-btn", q.label);
      btn.type = "button";
      btn.dataset.command = q.command;
      btn.addEventListener("click", () => say(q.command));
      upload.before(btn);
    }
  }

  async function init() {
    wire();
    try {
      state.config = await (await fetch("/api/config")).json();
      await loadQuickButtons();
      await loadPersonas();
    } catch (err) {
      setConn("server unreachable", "bad");
    }
    const saved = localStorage.getItem(NAME_KEY);
    if (saved && (await setName(saved))) return;
    askName();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
