// What the server says, said plainly: a finding by its rule, an HTTP error by
// its status, a rejected marker row and a warning by the pattern of the
// server's English text. The server's own words stay beside as the detail.
import { lang } from './i18n.js';

const fill = (s, v) => s.replace(/\{(\w+)\}/g, (_, k) => (v[k] ?? ''));

// ------------------------------------------------------------ findings
// {other}: the other zones' names; {ha}: the area in hectares; {m2}: in m²
const RULES = {
  'invalid-geometry': {
    vi: ['Ranh giới không hợp lệ: các cạnh cắt nhau, chạy chồng lên nhau, hoặc hình không khép kín.',
      'Kéo các đỉnh (hoặc Alt + nhấp để xóa một đỉnh) cho ranh giới không tự cắt.'],
    en: ['The boundary is not valid: its edges cross or run over each other, or the shape is not closed.',
      'Drag the vertices (or Alt + click to delete one) so that the boundary does not cross itself.'],
  },
  overlap: {
    vi: ['Khu này chồng lấn {other}: {ha} ha nằm trong cả hai khu (vùng tô đỏ trên bản đồ).',
      'Di chuyển ranh giới chung để mỗi mảnh đất chỉ thuộc một khu.'],
    en: ['This zone overlaps {other}: {ha} ha lie in both zones (the red area on the map).',
      'Move the shared boundary so that each piece of land is in one zone only.'],
  },
  sliver: {
    vi: ['Khu này chồng lấn {other} một mảnh rất nhỏ ({m2} m²), thường do hai ranh giới vẽ không khít.',
      'Bắt dính các đỉnh vào ranh giới của khu bên cạnh (con trỏ tự hút vào đỉnh và cạnh của khu khác).'],
    en: ['This zone overlaps {other} by a tiny sliver ({m2} m²), usually two boundaries drawn not quite together.',
      'Snap the vertices onto the neighbour\'s boundary (the pointer snaps to other zones\' vertices and edges).'],
  },
  'outside-boundary': {
    vi: ['Khu này nằm ngoài ranh giới tỉnh Bắc Ninh (toàn bộ hoặc một phần, {ha} ha).',
      'Kiểm tra tọa độ và hệ tọa độ của ranh giới; vẽ khu nằm trong tỉnh.'],
    en: ['This zone lies outside the boundary of Bắc Ninh province (wholly or in part, {ha} ha).',
      'Check the boundary\'s coordinates and coordinate system; draw the zone inside the province.'],
  },
  'outside-scope': {
    vi: ['Khu này được tính vào chỉ tiêu của một nghị quyết nhưng nằm ngoài địa bàn nghị quyết đó áp dụng (tỉnh cũ khác).',
      'Kiểm tra khu thuộc tỉnh cũ nào (Bắc Giang cũ hay Bắc Ninh cũ) và chọn đúng bộ chỉ tiêu.'],
    en: ['This zone counts against a resolution\'s targets but lies outside the territory that resolution covers (the other former province).',
      'Check which former province the zone is in (former Bắc Giang or former Bắc Ninh) and choose the right target set.'],
  },
  'grid-mismatch': {
    vi: ['Lưới tọa độ pháp lý của khu không phải lưới của tỉnh cũ nơi khu nằm (Bắc Giang cũ: EPSG:9214; Bắc Ninh cũ: EPSG:9209).',
      'Dùng lưới của nơi đặt khu, hoặc kiểm tra lại tọa độ.'],
    en: ['The zone\'s legal grid is not the grid of the former province it lies in (former Bắc Giang: EPSG:9214; former Bắc Ninh: EPSG:9209).',
      'Use the grid of the place, or check the coordinates.'],
  },
  'duplicate-code': {
    vi: ['Mã khu này trùng với mã của một khu khác.', 'Đặt một mã chưa dùng.'],
    en: ['This zone code is already used by another zone.', 'Give a code that is not used yet.'],
  },
  'area-mismatch': {
    vi: ['Diện tích theo quy hoạch khác diện tích tính từ ranh giới quá 1 %.',
      'Kiểm tra số liệu diện tích trong quyết định, hoặc sửa ranh giới cho khớp.'],
    en: ['The declared area differs from the area of the boundary by more than 1 %.',
      'Check the area in the decision, or fix the boundary to match it.'],
  },
  'merged-not-inside': {
    vi: ['CCN chuyển thành KCN nhưng không nằm trong KCN nhận nó.',
      'Vẽ CCN nằm trọn trong KCN đó, hoặc sửa mã KCN nhận.'],
    en: ['A CCN merged into a KCN does not lie inside that KCN.',
      'Draw the CCN wholly inside the KCN, or correct the code of the KCN it is merged into.'],
  },
  'missing-code': {
    vi: ['Khu chưa có mã.', 'Nhập mã khu, ví dụ CCN-TEN-KHU.'],
    en: ['The zone has no code.', 'Enter a zone code, for example CCN-ZONE-NAME.'],
  },
  'invalid-properties': {
    vi: ['Một thuộc tính của khu không dùng được (loại, tên, diện tích hoặc một ô khác).',
      'Xem chi tiết bên dưới và sửa ô đó.'],
    en: ['One of the zone\'s properties cannot be used (kind, name, area or another field).',
      'See the detail below and correct that field.'],
  },
};
export const RULE_NAMES = Object.keys(RULES);

// a finding as { what, todo }; `names(code)` gives a zone's name
export function findingText(f, names = (c) => c) {
  const r = RULES[f.rule];
  const l = lang();
  const other = (f.codes || []).filter((c) => !/^feature #/.test(c) && c !== f.self).map(names).join(', ') || (l === 'vi' ? 'khu khác' : 'another zone');
  const ha = f.area_m2 == null ? '?' : new Intl.NumberFormat(l === 'vi' ? 'vi-VN' : 'en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 }).format(f.area_m2 / 1e4);
  const m2 = f.area_m2 == null ? '?' : new Intl.NumberFormat(l === 'vi' ? 'vi-VN' : 'en-US', { maximumFractionDigits: 2 }).format(f.area_m2);
  if (!r) {
    return { what: l === 'vi' ? `Kết quả kiểm tra “${f.rule}”.` : `Check “${f.rule}”.`, todo: l === 'vi' ? 'Xem chi tiết.' : 'See the detail.' };
  }
  const [what, todo] = r[l] || r.vi;
  return { what: fill(what, { other, ha, m2 }), todo };
}

// --------------------------------------------------------- HTTP errors
const STATUS = {
  400: { vi: ['Máy chủ không đọc được yêu cầu.', 'Kiểm tra dữ liệu đã nhập; nếu vẫn lỗi, báo quản trị viên.'],
    en: ['The server could not read the request.', 'Check what you entered; if it goes on, tell an administrator.'] },
  401: { vi: ['Bạn chưa đăng nhập, hoặc phiên đăng nhập đã hết hạn.', 'Đăng nhập lại rồi làm lại.'],
    en: ['You are not signed in, or your session has expired.', 'Sign in again and retry.'] },
  403: { vi: ['Tài khoản của bạn không có quyền làm việc này.', 'Việc này cần vai trò người quy hoạch (hoặc quản trị); hỏi quản trị viên.'],
    en: ['Your account is not allowed to do this.', 'This needs the planner (or admin) role; ask an administrator.'] },
  404: { vi: ['Không tìm thấy khu này trong sổ.', 'Tải lại trang; khu có thể đã bị rút.'],
    en: ['This zone is not in the registry.', 'Reload the page; the zone may have been withdrawn.'] },
  409: { vi: ['Mã khu này đã có trong sổ.', 'Đặt một mã khác; hoặc chọn khu đó trên bản đồ và dùng “Sửa ranh giới” để lưu phiên bản mới.'],
    en: ['This zone code is already in the registry.', 'Give another code; or select that zone on the map and use “Edit the boundary” to save a new version.'] },
  412: { vi: ['Khu đã được người khác sửa sau khi bạn mở nó.', 'Chọn lại khu trên bản đồ để xem bản mới nhất, rồi sửa lại.'],
    en: ['Someone changed this zone after you opened it.', 'Select the zone on the map again to see the latest version, then make your change again.'] },
  413: { vi: ['Dữ liệu quá lớn: quá nhiều đỉnh hoặc tệp quá lớn.', 'Giảm số đỉnh của ranh giới (đơn giản hóa) hoặc chia thành nhiều khu.'],
    en: ['Too large: too many vertices or too big a file.', 'Use fewer vertices (simplify the boundary) or split it into several zones.'] },
  415: { vi: ['Máy chủ không nhận loại dữ liệu này.', 'Dùng một tệp GeoJSON (.geojson).'],
    en: ['The server does not take this kind of data.', 'Use a GeoJSON file (.geojson).'] },
  422: { vi: ['Ranh giới hoặc thuộc tính không tạo được một khu hợp lệ.', 'Xem chi tiết bên dưới, sửa rồi lưu lại.'],
    en: ['The boundary or the properties do not make a valid zone.', 'See the detail below, correct it and save again.'] },
  428: { vi: ['Thiếu thông tin phiên bản (If-Match) nên máy chủ không nhận bản sửa.', 'Chọn lại khu trên bản đồ rồi sửa lại; nếu vẫn lỗi, tải lại trang.'],
    en: ['The change came without its version (If-Match), so the server refused it.', 'Select the zone again and redo the change; if it goes on, reload the page.'] },
  429: { vi: ['Quá nhiều yêu cầu cùng lúc.', 'Chờ {s} giây rồi thử lại.'],
    en: ['Too many requests at once.', 'Wait {s} seconds and try again.'] },
  500: { vi: ['Máy chủ gặp lỗi.', 'Thử lại sau ít phút; nếu vẫn lỗi, báo quản trị viên.'],
    en: ['The server ran into an error.', 'Try again in a few minutes; if it goes on, tell an administrator.'] },
  0: { vi: ['Không kết nối được với máy chủ.', 'Kiểm tra kết nối mạng rồi thử lại.'],
    en: ['The server cannot be reached.', 'Check the network connection and try again.'] },
};
export const STATUSES = Object.keys(STATUS).map(Number).filter(Boolean);

// an HTTP error as { what, todo, detail }; `body` is the problem+json (or null)
export function problemText(status, body, retryAfter) {
  const l = lang();
  const s = STATUS[status] || (status >= 500 ? STATUS[500] : STATUS[400]);
  const [what, todo] = s[l] || s.vi;
  const detail = body && (body.detail || body.title) ? String(body.detail || body.title) : '';
  return { what, todo: fill(todo, { s: retryAfter || '60' }), detail };
}

// ------------------------------------------------ rejected marker rows
const ROWS = [
  [/^no marker number/, ['Thiếu số hiệu mốc; điền ô “Số hiệu mốc”.', 'No marker number; fill the “Số hiệu mốc” cell.']],
  [/^(X|Y) is missing$/, ['Thiếu tọa độ {1}.', 'The {1} coordinate is missing.']],
  [/^(X|Y|H) "(.*)" is not a number$/, ['{1} “{2}” không phải là số.', '{1} “{2}” is not a number.']],
  [/^marker (.+) appears again \(first on line (\d+)\)/, ['Mốc {1} lặp lại (đã có ở dòng {2}); mỗi mốc cần một số hiệu riêng.', 'Marker {1} appears again (first on line {2}); give each marker its own number.']],
  [/^X (\S+) \/ Y (\S+) is outside the area of use of (\S+)/, ['X {1} / Y {2} nằm ngoài vùng dùng được của {3}; kiểm tra các chữ số và hệ tọa độ.', 'X {1} / Y {2} is outside the area of use of {3}; check the digits and the coordinate system.']],
  [/^cannot be transformed from (\S+?):/, ['Không chuyển được tọa độ từ {1}; kiểm tra các chữ số.', 'Cannot be transformed from {1}; check the digits.']],
  [/^cannot be read as CSV/, ['Dòng này không đọc được theo dạng CSV (thiếu hoặc thừa ô, dấu ngoặc kép lẻ).', 'This line cannot be read as CSV (cells missing or extra, a stray quote).']],
];
const WARNINGS = [
  [/^X and Y are exchanged in every row/, ['X và Y bị đổi chỗ ở mọi dòng (X phải là tọa độ hướng Bắc, khoảng 2.300.000 m ở đây); đã sửa tất cả.', 'X and Y are exchanged in every row (X must be the northing, about 2,300,000 m here); all rows corrected.']],
  [/^X and Y are exchanged on line\(s\) ([\d, ]+)/, ['X và Y bị đổi chỗ ở dòng {1} (X phải là tọa độ hướng Bắc); đã sửa.', 'X and Y are exchanged on line(s) {1} (X must be the northing); corrected.']],
  [/is said to be in (EPSG:\d+).*it was read in (EPSG:\d+)/s, ['Tệp ghi hệ tọa độ {1}, nhưng các mốc khớp với các khu theo {2}, nên đã được đọc theo {2}; kiểm tra lưới của bản khảo sát.', 'The file says {1}, but its markers fall on zones in {2}, so it was read in {2}; check the survey\'s grid.']],
  [/does not say its CRS.*so it was read in (EPSG:\d+)/s, ['Tệp không ghi hệ tọa độ; các mốc khớp với các khu theo {1} nên đã được đọc theo {1}.', 'The file does not say its coordinate system; its markers fall on zones in {1}, so it was read in {1}.']],
];
// the server's notes on a save, and what its readers said of a file loaded
const NOTES = [
  [/^field (\S+) → (\S+) \(recognised by its name\)(.*)$/, ['Trường {1} của tệp → {2} (nhận ra theo tên trường){3}.', 'The file\'s field {1} → {2} (recognised by its name){3}.']],
  [/^field (\S+) → (\S+) \(--field\)(.*)$/, ['Trường {1} của tệp → {2} (theo ánh xạ đã cho){3}.', 'The file\'s field {1} → {2} (as mapped){3}.']],
  [/^(\S+): no \.cpg beside it; its text is read as UTF-8$/, ['{1}: không có tệp .cpg đi kèm; chữ được đọc theo UTF-8.', '{1}: no .cpg beside it; its text is read as UTF-8.']],
  [/^(\S+): --crs (EPSG:\d+) overrides the \.prj$/, ['{1}: lưới {2} đã chọn được dùng thay cho tệp .prj.', '{1}: the grid {2} chosen is used instead of the .prj.']],
  [/^declared_area_ha was not given; the grid area of the boundary.*? in (EPSG:\d+), ([\d.]+) ha/, ['Chưa nhập diện tích theo quy hoạch: đã ghi diện tích tính từ ranh giới theo {1}, {2} ha.', 'No declared area was given: the boundary\'s area in {1}, {2} ha, was recorded.']],
];
// the fixed words of the history
const HISTORY = [
  [/^initial load of the shipped data set \(illustrative boundaries\)$/, ['nạp bộ dữ liệu ban đầu (ranh giới minh họa)', 'initial load of the shipped data set (illustrative boundaries)']],
  [/^data\/zones\.geojson \(see docs\/data\.md\)$/, ['data/zones.geojson (xem docs/data.md)', 'data/zones.geojson (see docs/data.md)']],
  [/^withdrawal proposed \(DELETE\); an admin approves it$/, ['đề nghị rút khỏi quy hoạch (chờ quản trị viên phê duyệt)', 'withdrawal proposed; an administrator approves it']],
  [/^draft withdrawn \(DELETE\)$/, ['bản nháp đã rút', 'draft withdrawn']],
];
function match(table, text, fallback) {
  const l = lang() === 'vi' ? 0 : 1;
  for (const [re, says] of table) {
    const m = String(text).match(re);
    if (m) return says[l].replace(/\{(\d)\}/g, (_, i) => m[Number(i)]);
  }
  return fallback;
}
// the tables, for the test of both languages
export const TABLES = { RULES, STATUS, ROWS, WARNINGS, NOTES, HISTORY };
// a rejected row's reason: the plain words, and whether they were recognised
export const rowReason = (reason) => match(ROWS, reason, null);
export const warningText = (w) => match(WARNINGS, w, null);
export const noteText = (n) => match(NOTES, n, null);
// a history reason or decision: translated when it is one of the fixed ones
export const historyText = (s) => match(HISTORY, s, s);
