// The PANDAWA story in a real browser (Debian's Chromium, driven by playwright-core):
//
//   1. a participant opens the web chat, verifies identity (NIK, then birth date) and files a
//      change of FKTP ("pindah faskes"), and gets a case number;
//   2. an agent signs in to the console, finds the case in the queue, opens it, takes it and
//      asks for a document: a link appears in the participant's chat;
//   3. the participant opens the link, uploads a picture and submits;
//   4. the agent sees the attachment and completes the case;
//   5. the participant's chat shows the result;
//   6. a supervisor opens the dashboard, and a new request (the participant asks for a
//      person) appears in its queue without a reload;
//   7. the supervisor declares a closure of the branch with a notice to its participants,
//      and watches the notice's progress page count messages without a reload.
//
// Screenshots go to $SCREENSHOT_DIR (default target/screenshots): console.png (the agent's
// case), dashboard.png (a supervisor's dashboard) and broadcast.png (the notice's progress). Exits non-zero, naming the step, on
// any failure. Run by crates/layan/tests/it/browser.rs against the real binary:
//
//   BASE_URL=http://127.0.0.1:8080 STORY_NIK=... STORY_BIRTH_DATE=YYYY-MM-DD \
//   STORY_AGENT_USER=... STORY_AGENT_PASSWORD=... \
//   STORY_SUPERVISOR_USER=... STORY_SUPERVISOR_PASSWORD=... node tests/browser/story.mjs
//
// STORY_ONLY=signin stops after a screenshot of the console's sign-in page (the harness alone).

import { chromium } from "playwright-core";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { deflateSync } from "node:zlib";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === "") {
    throw new Error(`environment variable ${name} is required`);
  }
  return v;
};

const BASE = env("BASE_URL").replace(/\/$/, "");
const ONLY = process.env.STORY_ONLY || "";
const SHOTS = resolve(env("SCREENSHOT_DIR", "target/screenshots"));
const CHROMIUM = env("CHROMIUM", "/usr/bin/chromium");
// Generous: a debug build on a loaded 2-core machine.
const WAIT = Number(process.env.STORY_WAIT_MS || 60000);

let current = "start";
/// Open pages by name, for screenshots when a step fails.
const open = new Map();
const log = (...a) => console.log("story:", ...a);

async function step(name, fn) {
  current = name;
  log(`- ${name}`);
  return await fn();
}

// ---- a small PNG made here (64x64, RGB, a green and white pattern) -------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function png(size = 64) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // no filter
    for (let x = 0; x < size; x++) {
      const on = ((x >> 3) + (y >> 3)) % 2 === 0;
      raw.set(on ? [11, 122, 62] : [255, 255, 255], row + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// ---- the participant's web chat ------------------------------------------------------------

const CASE_NUMBER = /\b([A-Z]{2,5}(?:-[A-Z]{1,2})?-\d{6})\b/;

async function botBubbles(page) {
  return await page.locator(".msg.bot .bubble:not(.typing)").allInnerTexts();
}

/// Waits until the chat is idle (no "typing" bubble) and has more than `before` bot messages.
async function settle(page, before) {
  await page.waitForFunction(
    (n) =>
      !document.querySelector(".msg.bot .bubble.typing") &&
      document.querySelectorAll(".msg.bot .bubble").length > n,
    before,
    { timeout: WAIT },
  );
}

async function say(page, text) {
  const before = (await botBubbles(page)).length;
  await page.fill("#text", text);
  await page.press("#text", "Enter");
  await settle(page, before);
}

async function tap(page, button) {
  const before = (await botBubbles(page)).length;
  await button.click();
  await settle(page, before);
}

/// Answers the assistant until it gives a case number for the FKTP change.
async function fileFktpChange(page, nik, birthDate) {
  const [y, m, d] = birthDate.split("-");
  let seen = (await botBubbles(page)).length;
  await say(page, "saya mau pindah faskes");
  for (let turn = 0; turn < 12; turn++) {
    const all = await botBubbles(page);
    const fresh = all.slice(seen);
    seen = all.length;
    for (const text of fresh) {
      const found = text.match(CASE_NUMBER);
      if (found && /tercatat/i.test(text)) return found[1];
    }
    // The newest message that asks for something (a hint about the web form may follow it).
    let acted = false;
    for (let i = all.length - 1; i >= all.length - fresh.length && !acted; i--) {
      const bubble = page.locator(".msg.bot .bubble:not(.typing)").nth(i);
      const text = all[i];
      const rows = bubble.locator(".rows button");
      const kirim = bubble.locator(".options button", { hasText: /^Kirim$/ });
      if (/NIK \(16 angka\)|nomor kartu JKN/i.test(text)) {
        await say(page, nik);
      } else if (/tanggal lahir/i.test(text)) {
        await say(page, `${d}-${m}-${y}`);
      } else if ((await rows.count()) > 0 && /FKTP/i.test(text)) {
        await tap(page, rows.first());
      } else if ((await kirim.count()) > 0) {
        await tap(page, kirim.first());
      } else {
        continue;
      }
      acted = true;
    }
    if (!acted) {
      throw new Error(`the assistant answered something the story does not expect:\n${fresh.join("\n---\n")}`);
    }
  }
  throw new Error("no case number after 12 turns of the FKTP change");
}

/// Waits until one of the chat's messages after the first `after` shows `pattern` (the page
/// polls for notices).
async function chatShows(page, after, pattern, what) {
  try {
    await page.waitForFunction(
      ([src, after]) => {
        const re = new RegExp(src, "i");
        return Array.from(document.querySelectorAll(".msg.bot .bubble"))
          .slice(after)
          .some((b) => re.test(b.innerText + " " + Array.from(b.querySelectorAll("a")).map((a) => a.href).join(" ")));
      },
      [pattern.source, after],
      { timeout: WAIT * 2 },
    );
  } catch (e) {
    const texts = (await botBubbles(page)).slice(-3).join("\n---\n");
    throw new Error(`the participant's chat never showed ${what}; its last messages:\n${texts}`);
  }
}

async function formLinkInChat(page, after) {
  await chatShows(page, after, /\/f\/[A-Za-z0-9._~-]+/, "a link to a form (/f/...)");
  return await page.evaluate((after) => {
    for (const b of Array.from(document.querySelectorAll(".msg.bot .bubble")).slice(after).reverse()) {
      const a = Array.from(b.querySelectorAll("a")).find((x) => /\/f\//.test(x.href));
      if (a) return a.href;
      const m = b.innerText.match(/(https?:\/\/\S+\/f\/[A-Za-z0-9._~-]+)/);
      if (m) return m[1];
    }
    return null;
  }, after);
}

// ---- the console ---------------------------------------------------------------------------

async function signIn(page, user, password) {
  await page.goto(`${BASE}/console/login`);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith("/console/login"), { timeout: WAIT }),
    page.locator('form button[type="submit"], form input[type="submit"]').first().click(),
  ]).catch(async (e) => {
    const msg = await page.locator("body").innerText();
    throw new Error(`sign-in as ${user} did not leave the sign-in page: ${msg.slice(0, 400)}`);
  });
}

/// Submits the case screen's form for `action` (take, ask_documents, complete...).
async function act(page, action, what) {
  const form = page.locator(`form:has(input[name="action"][value="${action}"])`).first();
  if ((await form.count()) === 0) {
    const shown = (await page.getByRole("button").allInnerTexts()).join(" | ");
    throw new Error(`the case screen offers no way to ${what} (no "${action}" form); its buttons: ${shown}`);
  }
  return form;
}

async function submit(page, form) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: "load", timeout: WAIT }),
    form.locator('button[type="submit"]').first().click(),
  ]);
  const notice = page.locator(".notice.error, .notice.danger");
  if ((await notice.count()) > 0) {
    throw new Error(`the console refused: ${await notice.first().innerText()}`);
  }
}

// ---- the story -----------------------------------------------------------------------------

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const failures = [];
  try {
    const desk = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "id-ID" });
    desk.setDefaultTimeout(WAIT);
    const agent = await desk.newPage();
    open.set("console", agent);
    agent.on("pageerror", (e) => failures.push(`console page error: ${e.message}`));

    if (ONLY === "signin") {
      await step("the console's sign-in page", async () => {
        const r = await agent.goto(`${BASE}/console/login`);
        await agent.screenshot({ path: join(SHOTS, "login.png"), fullPage: true });
        if (!r || r.status() !== 200) throw new Error(`GET /console/login answered ${r && r.status()}`);
      });
      log(`ok: sign-in page shown (${join(SHOTS, "login.png")})`);
      return;
    }

    const nik = env("STORY_NIK");
    const birthDate = env("STORY_BIRTH_DATE");
    const phone = await browser.newContext({ viewport: { width: 412, height: 860 }, locale: "id-ID", isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(WAIT);
    const chat = await phone.newPage();
    open.set("chat", chat);
    chat.on("pageerror", (e) => failures.push(`chat page error: ${e.message}`));

    const number = await step("1. the participant files an FKTP change in the web chat", async () => {
      await chat.goto(`${BASE}/chat`);
      await chat.waitForSelector(".msg.bot .bubble:not(.typing)", { timeout: WAIT });
      const n = await fileFktpChange(chat, nik, birthDate);
      log(`  case ${n}`);
      return n;
    });

    let seen = (await botBubbles(chat)).length;
    await step("2a. the agent signs in and finds the case in the queue", async () => {
      await signIn(agent, env("STORY_AGENT_USER"), env("STORY_AGENT_PASSWORD"));
      await agent.goto(`${BASE}/console`);
      const link = agent.getByRole("link", { name: number }).first();
      if ((await link.count()) === 0) {
        const body = await agent.locator("body").innerText();
        throw new Error(`case ${number} is not in the agent's queue:\n${body.slice(0, 800)}`);
      }
      await Promise.all([agent.waitForURL(/\/console\/cases\/\d+/), link.click()]);
      await agent.locator("h1", { hasText: number }).first().waitFor({ timeout: WAIT });
    });

    await step("2b. the agent takes the case and asks for a document", async () => {
      await submit(agent, await act(agent, "take", "take the case"));
      const ask = await act(agent, "ask_documents", "ask for a document");
      await ask.locator("textarea").fill("Mohon unggah foto KTP Anda untuk melengkapi permintaan pindah FKTP.");
      await submit(agent, ask);
    });

    const link = await step("2c. a link to a form appears in the participant's chat", async () => {
      const href = await formLinkInChat(chat, seen);
      if (!href) throw new Error("a message mentions /f/ but no link could be read from it");
      log(`  ${href.replace(/\/f\/.*/, "/f/…")}`);
      return href;
    });

    await step("3. the participant uploads a picture on the form and submits", async () => {
      const form = await phone.newPage();
      open.set("form", form);
      form.on("pageerror", (e) => failures.push(`form page error: ${e.message}`));
      const r = await form.goto(link);
      if (!r || r.status() !== 200) throw new Error(`the form link answered ${r && r.status()}`);
      // The KTP's own field when the form has one, else the first document asked for.
      const ktp = form.locator("#d-ktp");
      const input = (await ktp.count()) > 0 ? ktp : form.locator('input[type="file"]').first();
      await input.setInputFiles({ name: "ktp.png", mimeType: "image/png", buffer: png() });
      const submit = form.getByRole("button", { name: /kirim/i }).first();
      await Promise.all([form.waitForLoadState("load"), submit.click()]);
      await form.getByText(/terima kasih|sudah kami terima|berhasil/i).first().waitFor({ timeout: WAIT }).catch(async () => {
        const body = await form.locator("body").innerText();
        throw new Error(`the form did not confirm the upload:\n${body.slice(0, 800)}`);
      });
    });

    await step("4. the agent sees the attachment and completes the case", async () => {
      seen = (await botBubbles(chat)).length;
      await agent.reload();
      const attachment = agent.getByText(/ktp\.png/i).first();
      await attachment.waitFor({ timeout: WAIT }).catch(async () => {
        const body = await agent.locator("body").innerText();
        throw new Error(`the case page does not show the uploaded ktp.png:\n${body.slice(0, 800)}`);
      });
      const done = await act(agent, "complete", "complete the case");
      await done.locator("textarea").fill("Perubahan FKTP sudah kami proses.");
      await submit(agent, done);
      if ((await agent.locator('form:has(input[name="action"][value="complete"])').count()) > 0) {
        throw new Error("the case can still be completed after completing it");
      }
      await agent.screenshot({ path: join(SHOTS, "console.png"), fullPage: true });
    });

    await step("5. the participant's chat shows the result", async () => {
      await chatShows(chat, seen, new RegExp(`${number}[\\s\\S]*selesai|selesai[\\s\\S]*${number}`), `that ${number} is done`);
      await chat.screenshot({ path: join(SHOTS, "chat.png"), fullPage: true });
    });

    await step("6. a supervisor opens the dashboard", async () => {
      const office = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "id-ID" });
    office.setDefaultTimeout(WAIT);
      const sup = await office.newPage();
      open.set("dashboard", sup);
      sup.on("pageerror", (e) => failures.push(`dashboard page error: ${e.message}`));
      await signIn(sup, env("STORY_SUPERVISOR_USER"), env("STORY_SUPERVISOR_PASSWORD"));
      const r = await sup.goto(`${BASE}/console/dashboard`);
      if (!r || r.status() !== 200) throw new Error(`GET /console/dashboard answered ${r && r.status()}`);
      if ((await sup.locator("svg.chart-svg").count()) < 4) throw new Error("the dashboard shows fewer than 4 charts");
      // The live queue comes from the event stream: the first snapshot, then each change.
      await sup.waitForFunction(() => /diperbarui/.test(document.getElementById("queue-status")?.textContent || ""), null, { timeout: WAIT });
      // The participant asks for a person; the dashboard shows the new case without a reload.
      const before = (await botBubbles(chat)).length;
      await say(chat, "saya mau bicara dengan petugas");
      const fresh = (await botBubbles(chat)).slice(before).join("\n");
      const handed = fresh.match(CASE_NUMBER);
      if (!handed) throw new Error(`asking for a person gave no queue number:\n${fresh}`);
      log(`  live chat ${handed[1]}`);
      await sup.locator(`#queue-rows tr[data-number="${handed[1]}"]`).waitFor({ timeout: WAIT }).catch(() => {
        throw new Error(`the dashboard's queue did not show ${handed[1]} without a reload`);
      });
      await sup.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });
    });

    await step("7. the supervisor declares a closure and follows the notice to participants", async () => {
      const sup = open.get("dashboard");
      const r = await sup.goto(`${BASE}/console/closures`);
      if (!r || r.status() !== 200) throw new Error(`GET /console/closures answered ${r && r.status()}`);
      // Tomorrow and the day after, as dates of the office (a day ahead in any zone).
      const day = (n) => new Date(Date.now() + 7 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
      const form = sup.locator("#umumkan form");
      await form.locator('input[name="from"]').fill(`${day(1)}T08:00`);
      await form.locator('input[name="until"]').fill(`${day(2)}T16:00`);
      await form.locator('input[name="reason"]').fill("Pemeliharaan jaringan listrik gedung");
      await form.locator('textarea[name="message"]').fill("Mohon maaf, kantor kami tutup sementara untuk pemeliharaan listrik.");
      const alternatives = await form.locator('textarea[name="alternatives"]').inputValue();
      if (!/Care Center/.test(alternatives)) throw new Error(`the form offers no usual alternatives: ${alternatives}`);
      await form.locator('input[name="notify"]').check();
      await submit(sup, form);
      const banner = sup.locator(".notice.ok");
      if (!/sudah diumumkan/.test(await banner.innerText())) throw new Error("no confirmation after declaring the closure");
      for (const kind of ["pdf", "png"]) {
        if ((await sup.locator(`a[data-poster="${kind}"]`).count()) === 0) throw new Error(`no link to the ${kind} poster`);
      }
      await Promise.all([sup.waitForURL(/\/console\/broadcasts\/\d+/), sup.locator("a[data-broadcast-link]").click()]);
      // The counts move on the page itself: the mark set now survives only without a reload.
      await sup.evaluate(() => { window.__sameLayanPage = true; });
      const count = (k) => `Number((document.querySelector('[data-count="${k}"]')?.textContent || "0").replace(/\\D/g, ""))`;
      await sup
        .waitForFunction(
          `window.__sameLayanPage === true && ${count("total")} > 0 && (${count("sent")} + ${count("delivered")} + ${count("read")}) > 0`,
          null,
          { timeout: WAIT },
        )
        .catch(async () => {
          const body = await sup.locator("[data-broadcast]").innerText().catch(() => "");
          throw new Error(`the progress page never showed a message sent without a reload:\n${body.slice(0, 800)}`);
        });
      // Let a few more receipts arrive, then keep the picture.
      await sup.waitForTimeout(3000);
      await sup.screenshot({ path: join(SHOTS, "broadcast.png"), fullPage: true });
    });

    if (failures.length) throw new Error(`script errors in the pages:\n${failures.join("\n")}`);
    log(`ok: the whole story passed; screenshots in ${SHOTS}`);
  } catch (e) {
    for (const [name, page] of open) {
      await page.screenshot({ path: join(SHOTS, `failed-${name}.png`), fullPage: true }).catch(() => {});
    }
    if (open.size) console.error(`story: screenshots of the open pages: ${join(SHOTS, "failed-*.png")}`);
    throw e;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(`story failed at step "${current}": ${e && e.message ? e.message : e}`);
  process.exit(1);
});
