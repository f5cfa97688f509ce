// The template gallery: every trigger × locale rendered side by side at desktop (600 px) and
// mobile (375 px) widths, re-rendered when a template file changes.
import { api, clear, clock, emailFrame, events, fitted, h, renderTopbar, toast } from '/common.js';

const $ = (selector) => document.querySelector(selector);
const filters = { profile: 'all', trigger: 'all', locale: 'all', width: 'both' };
let data;

// Frames are filled when they scroll into view: a gallery holds dozens of emails.
const observer = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    const holder = entry.target;
    observer.unobserve(holder);
    holder.replaceWith(emailFrame(holder._html, { width: holder._width, height: 640, title: holder.title }));
  }
}, { rootMargin: '800px 0px' });

function lazyFrame(html, width, title) {
  const holder = h('div', { class: 'email-frame', title });
  holder.style.width = `${width}px`;
  holder.style.height = '640px';
  holder._html = html;
  holder._width = width;
  observer.observe(holder);
  return holder;
}

function viewport(label, html, width, title) {
  return h('div', { class: 'viewport' },
    h('span', { class: 'viewport-label' }, label, h('span', { class: 'fit-note' })),
    fitted(lazyFrame(html, width, title), width));
}

function chipGroup(container, name, options) {
  const label = container.querySelector('.chips-label');
  clear(container, label, options.map(([value, text]) => h('button', {
    type: 'button',
    class: `chip${filters[name] === value ? ' active' : ''}`,
    dataset: { value },
    onclick: () => {
      filters[name] = value;
      renderAll();
    },
  }, text)));
}

function sourceItem(file, source) {
  if (!source) return null;
  return h('li', {}, `${file}: `, h('span', { class: source.user ? 'user' : '' }, source.user ? `templates/${source.path}` : `built-in ${source.path}`));
}

function card(entry) {
  const showDesktop = filters.width !== 'mobile';
  const showMobile = filters.width !== 'desktop';
  const fellBack = entry.renderedLocale && entry.renderedLocale !== entry.locale;
  const title = `${entry.profile ? `${entry.profile} · ` : ''}${entry.trigger} · ${entry.locale}`;
  const email = entry.email;
  return h('article', { class: 'card render-card', dataset: { trigger: entry.trigger, locale: entry.locale } },
    h('div', { class: 'render-meta' },
      h('h3', {}, entry.profile ? h('span', { class: 'pill pill-plain' }, entry.profile) : null, h('span', { class: 'pill pill-accent' }, entry.locale), fellBack ? h('span', { class: 'pill pill-warn', title: 'No template in this locale: the fallback is used' }, `falls back to ${entry.renderedLocale}`) : null),
      email ? [h('div', { class: 'label' }, 'Subject'), h('div', { class: 'subject' }, email.subject)] : null,
      entry.sms ? [h('div', { class: 'label' }, 'SMS'), h('div', { class: 'sms-mini' }, entry.sms.text)] : null,
      h('div', { class: 'label' }, 'Files'),
      h('ul', { class: 'source-list' },
        email ? Object.entries(email.sources).map(([file, source]) => sourceItem(file, source)) : null,
        entry.sms ? sourceItem('sms.txt', entry.sms.source) : null),
      email ? h('details', { class: 'text-toggle' }, h('summary', {}, 'Text part'), h('pre', { class: 'text-part' }, email.text)) : null),
    email && showDesktop ? viewport('Desktop · 600 px', email.html, 600, `${title} desktop`) : null,
    email && showMobile ? viewport('Mobile · 375 px', email.html, 375, `${title} mobile`) : null,
    entry.errors.length ? h('div', { class: 'error-box render-error' }, h('strong', {}, 'This template does not render'), entry.errors.map((e) => h('p', {}, e))) : null);
}

function variablesTable(trigger) {
  return h('details', { class: 'variables' },
    h('summary', {}, `Variables these templates can use (${trigger.variables.length})`),
    h('table', {}, h('tbody', {}, trigger.variables.map((v) => h('tr', {},
      h('td', {}, `{{${v.name}}}`),
      h('td', {}, v.description),
      h('td', {}, v.example))))));
}

function renderAll() {
  // relay.config.json's profiles: app × trigger × locale.
  if (data.profiles?.length) {
    $('#profile-chips .chips-label').hidden = false;
    chipGroup($('#profile-chips'), 'profile', [['all', 'All'], ...data.profiles.map((p) => [p, p])]);
  }
  chipGroup($('#trigger-chips'), 'trigger', [['all', 'All'], ...data.triggers.map((t) => [t.name, t.name])]);
  chipGroup($('#locale-chips'), 'locale', [['all', 'All'], ...data.locales.map((l) => [l, l])]);
  chipGroup($('#width-chips'), 'width', [['both', 'Both'], ['desktop', 'Desktop 600'], ['mobile', 'Mobile 375']]);
  clear($('#problems'), data.problems.length
    ? h('div', { class: 'problems', role: 'alert' }, h('strong', {}, 'Your templates folder has problems; showing the built-ins only:'), h('ul', {}, data.problems.map((p) => h('li', {}, p))))
    : null);
  const sections = data.triggers
    .filter((trigger) => filters.trigger === 'all' || filters.trigger === trigger.name)
    .map((trigger) => h('section', { class: 'trigger-section', id: `t-${trigger.name}` },
      h('div', { class: 'trigger-head' }, h('h2', {}, trigger.name), trigger.channels.map((c) => h('span', { class: 'pill pill-plain' }, c === 'email' ? 'email' : 'SMS'))),
      variablesTable(trigger),
      data.cards
        .filter((entry) => entry.trigger === trigger.name && (filters.locale === 'all' || filters.locale === entry.locale) && (filters.profile === 'all' || filters.profile === entry.profile))
        .map(card)));
  clear($('#gallery'), sections);
}

async function load(reason) {
  const scroll = $('.gallery-main').scrollTop;
  data = await api('/api/gallery');
  clear($('#rendered-with'),
    `Rendered by the templates module from your `, h('code', { title: data.dirs.user }, `${data.dirs.user.split(/[\\/]/).filter(Boolean).pop()}/`), ` folder over the built-ins (file-system store) with sample values, at ${clock(data.generatedAt)}. `,
    `Edit a file and this page reloads. The Lambda bundle embeds the same files at build time.`);
  renderAll();
  $('.gallery-main').scrollTop = scroll;
  if (reason) toast(reason);
}

async function main() {
  renderTopbar(await api('/api/state'), 'gallery');
  await load();
  $('#reload').addEventListener('click', () => load('Reloaded'));
  events({ templates: () => load('Templates changed: reloaded') });
}

main().catch((error) => {
  document.body.append(h('div', { class: 'problems' }, `The gallery could not load: ${error.message}`));
});
