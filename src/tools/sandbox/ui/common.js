// Shared by the sandbox pages: DOM building without innerHTML (every value is text), JSON
// fetches, formatting and the server-sent event stream.

/** h('div', { class: 'x', onclick }, 'text', child) → element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export async function api(path, body) {
  const response = await fetch(path, body === undefined
    ? { headers: { accept: 'application/json' } }
    : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error ?? `${response.status} ${response.statusText}`);
  return data;
}

export function ms(value) {
  if (value === undefined || value === null) return '–';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function kib(bytes) {
  return bytes === undefined ? '' : `${(bytes / 1024).toFixed(1)} KiB`;
}

const fitObserver = new ResizeObserver((entries) => {
  for (const entry of entries) for (const box of entry.target.querySelectorAll(':scope .fit')) fit(box);
});

function fit(box) {
  const container = box.closest('.render-card, .frame-stage');
  if (!container) return;
  const style = getComputedStyle(container);
  const available = container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const natural = Number(box.dataset.width) + 2;
  const scale = Math.min(1, available / natural);
  const zoom = scale < 1 ? scale.toFixed(2) : '';
  // Small moves are ignored: a zoom change can toggle the column's scrollbar, which changes the
  // room again; reacting to that would reload the frame forever.
  const current = Number(box.style.zoom || 1);
  if (Math.abs(current - Number(zoom || 1)) > 0.02) {
    box.style.zoom = zoom;
    // Chromium does not repaint a loaded frame whose ancestor's zoom changed: load it again.
    const frame = box.querySelector('iframe');
    // oxlint-disable-next-line no-self-assign -- reassigning srcdoc reloads the frame
    if (frame?.srcdoc) frame.srcdoc = frame.srcdoc;
  }
  const note = box.parentElement?.querySelector('.fit-note');
  if (note) note.textContent = scale < 1 ? ` · shown at ${Math.floor(scale * 100)}%` : '';
}

/**
 * Shows a frame of a fixed width (an email at 600 or 375 px) whole: scaled down with CSS zoom when
 * its column is narrower, so a phone-width window shows the whole message instead of a clipped one.
 */
export function fitted(frame, width) {
  const box = h('div', { class: 'fit', dataset: { width: String(width) } }, frame);
  requestAnimationFrame(() => {
    const container = box.closest('.render-card, .frame-stage');
    if (!container) return;
    fitObserver.observe(container);
    fit(box);
  });
  return box;
}

/** A sandboxed frame for untrusted HTML: no scripts, no same-origin access, no forms. */
export function emailFrame(html, { width, height = 560, title = 'Email HTML' } = {}) {
  const frame = h('iframe', { sandbox: '', title, class: 'email-frame', referrerpolicy: 'no-referrer' });
  if (width) frame.style.width = `${width}px`;
  frame.style.height = `${height}px`;
  frame.srcdoc = html;
  return frame;
}

/** Subscribes to the sandbox's events; reconnects on its own (EventSource does). */
export function events(handlers) {
  const source = new EventSource('/api/events');
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handler(JSON.parse(event.data || '{}')));
  }
  return source;
}

export function toast(text, kind = 'info') {
  let host = document.querySelector('.toasts');
  if (!host) document.body.append((host = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })));
  const item = h('div', { class: `toast toast-${kind}` }, text);
  host.append(item);
  setTimeout(() => item.classList.add('leaving'), 3200);
  setTimeout(() => item.remove(), 3600);
}

/** The shared top bar: brand, page links, mode and function state. */
export function renderTopbar(state, active) {
  const bar = document.querySelector('.topbar');
  const route = (channel) => {
    const info = state.channels[channel];
    return info.local ? `${channel === 'email' ? 'Email' : 'SMS'} → sandbox inbox` : `${channel === 'email' ? 'Email' : 'SMS'} → ${info.provider}`;
  };
  clear(
    bar,
    h('a', { class: 'brand', href: '/' }, h('img', { src: '/favicon.svg', alt: '', width: 22, height: 22 }), h('span', {}, 'cognito-relay'), h('span', { class: 'brand-sub' }, 'sandbox')),
    h('nav', { class: 'tabs-nav' },
      h('a', { href: '/', class: active === 'inbox' ? 'active' : '' }, 'Inbox'),
      h('a', { href: '/gallery', class: active === 'gallery' ? 'active' : '' }, 'Templates')),
    h('div', { class: 'topbar-status' },
      h('span', { class: `pill ${state.mode === 'provider' ? 'pill-warn' : 'pill-ok'}`, title: state.mode === 'provider' ? 'Messages go through your own provider settings' : 'Nothing leaves this machine' },
        state.mode === 'provider' ? 'Provider mode' : 'Local mode'),
      h('span', { class: 'route' }, route('email')),
      h('span', { class: 'route' }, route('sms'))),
  );
}
