// Vietnamese first, English one click away.
const STRINGS = {
  vi: {
    title: 'KCN và CCN tỉnh Bắc Giang',
    search: 'Tìm khu', searchHint: 'Tìm theo tên, ví dụ Quang Châu', noMatch: 'Không tìm thấy',
    public: 'Bản đồ', planner: 'Quy hoạch', surveyor: 'Khảo sát', otherLang: 'EN', otherLangName: 'English',
    illustrative: 'Ranh giới các khu trên bản đồ này là minh họa (chưa có ranh giới chính thức công bố), trừ khi thẻ của khu ghi khác.',
    legend: 'Chú giải', kcn: 'KCN (khu công nghiệp)', ccn: 'CCN (cụm công nghiệp)',
    existing: 'hiện có năm 2021', new: 'thành lập mới', expansion: 'phần mở rộng', merged: 'CCN chuyển thành KCN',
    removed: 'đưa ra khỏi quy hoạch', dashed: 'nét đứt: ranh giới minh họa', solid: 'nét liền: ranh giới đo đạc hoặc số hóa',
    targets: 'Tiến độ so với Nghị quyết (mục tiêu 6)', kcn2030: 'KCN đến năm 2030', ccn2030: 'CCN đến năm 2030',
    kcnAdded: 'Đất KCN tăng thêm', ccnAdded: 'Đất CCN tăng thêm', ccnRemoved: 'Đất CCN đưa ra khỏi quy hoạch',
    inUse: 'Hoàn thành hạ tầng 2021–2025', zones: 'khu', of: '/',
    layers: 'Lớp bản đồ', showRemoved: 'Hiện CCN đã đưa ra khỏi quy hoạch', osm: 'Nền OpenStreetMap (cần Internet)',
    kind: 'Loại', planAction: 'Quy hoạch 2021–2030', declared: 'Diện tích công bố', grid: 'Diện tích theo ranh giới (lưới VN-2000)',
    geodesic: 'Diện tích trắc địa (WGS84)', district: 'Huyện (trước 2025)', infrastructure: 'Hạ tầng', sources: 'Nguồn',
    geometry: 'Ranh giới', status: 'Trạng thái', close: 'Đóng', history: 'Lịch sử', link: 'Liên kết', basis: 'cơ sở',
    sourced: 'có nguồn', derived: 'suy ra', placeholder: 'giả định (chưa có số liệu công bố)',
    illustrativeGeom: 'minh họa', surveyed: 'đo đạc', digitised: 'số hóa',
    planned: 'mới quy hoạch', under_construction: 'đang xây dựng', in_use: 'đang hoạt động', unknown: 'chưa rõ',
    draft: 'bản nháp', approved: 'đã phê duyệt',
    userName: 'Tên đăng nhập', password: 'Mật khẩu', useToken: 'Dùng mã truy cập (token) thay mật khẩu',
    badPassword: 'Sai tên đăng nhập hoặc mật khẩu', tooManyTries: 'Nhập sai quá nhiều lần; thử lại sau {s} giây',
    token: 'Mã truy cập (token)', signIn: 'Đăng nhập', signOut: 'Đăng xuất', signedIn: 'Đã đăng nhập', badToken: 'Mã truy cập không đúng',
    needRole: 'Cần vai trò', draw: 'Vẽ khu mới', edit: 'Sửa ranh giới khu đang chọn', clear: 'Xóa hình vẽ', save: 'Lưu bản nháp',
    code: 'Mã khu', name: 'Tên khu', findings: 'Kết quả kiểm tra', noFindings: 'Không có lỗi', saved: 'Đã lưu bản nháp',
    version: 'Phiên bản', compare: 'So sánh hai phiên bản đã chọn', error: 'lỗi', warning: 'cảnh báo',
    upload: 'Tải lên bảng tọa độ mốc (CSV)', markers: 'Mốc', rejected: 'Dòng bị loại', line: 'Dòng', reason: 'Lý do',
    unmarked: 'Góc ranh giới chưa có mốc', deviation: 'Lệch (cm)', ok: 'Đạt', 'out-of-tolerance': 'Vượt sai số',
    replaceAsk: '{n} mốc trong bảng này đã có trong sổ ({list}). Tải lên lần nữa sẽ thay các mốc đó.', replaceDo: 'Thay các mốc đã có',
    'no-zone': 'Không gần khu nào', stakeout: 'Tải bảng tọa độ cắm mốc của khu đang chọn', spacing: 'Khoảng cách tối đa (m)',
    selectZone: 'Chọn một khu trên bản đồ trước', nothingDrawn: 'Chưa vẽ hình nào',
  },
  en: {
    title: 'Bắc Giang industrial parks (KCN) and clusters (CCN)',
    search: 'Find a zone', searchHint: 'Search by name, e.g. Quang Chau', noMatch: 'No match',
    public: 'Map', planner: 'Planner', surveyor: 'Surveyor', otherLang: 'VI', otherLangName: 'Tiếng Việt',
    illustrative: 'Zone boundaries on this map are illustrative (no official boundaries are public), unless a zone’s card says otherwise.',
    legend: 'Legend', kcn: 'KCN (industrial park)', ccn: 'CCN (industrial cluster)',
    existing: 'existing in 2021', new: 'newly established', expansion: 'expansion part', merged: 'CCN merged into a KCN',
    removed: 'removed from the plan', dashed: 'dashed: illustrative boundary', solid: 'solid: surveyed or digitised boundary',
    targets: 'Progress against the resolution (target 6)', kcn2030: 'KCN by 2030', ccn2030: 'CCN by 2030',
    kcnAdded: 'KCN land added', ccnAdded: 'CCN land added', ccnRemoved: 'CCN land removed from the plan',
    inUse: 'Infrastructure complete 2021–2025', zones: 'zones', of: '/',
    layers: 'Layers', showRemoved: 'Show CCN removed from the plan', osm: 'OpenStreetMap background (needs Internet)',
    kind: 'Kind', planAction: '2021–2030 plan', declared: 'Declared area', grid: 'Boundary area (VN-2000 grid)',
    geodesic: 'Geodesic area (WGS84)', district: 'District (pre-2025)', infrastructure: 'Infrastructure', sources: 'Sources',
    geometry: 'Boundary', status: 'Status', close: 'Close', history: 'History', link: 'Link', basis: 'basis',
    sourced: 'sourced', derived: 'derived', placeholder: 'placeholder (no published figure)',
    illustrativeGeom: 'illustrative', surveyed: 'surveyed', digitised: 'digitised',
    planned: 'planned', under_construction: 'under construction', in_use: 'in use', unknown: 'unknown',
    draft: 'draft', approved: 'approved',
    userName: 'User name', password: 'Password', useToken: 'Use an access token instead of a password',
    badPassword: 'Wrong user name or password', tooManyTries: 'Too many wrong tries; try again in {s} seconds',
    token: 'Access token', signIn: 'Sign in', signOut: 'Sign out', signedIn: 'Signed in', badToken: 'Unknown token',
    needRole: 'Needs the role', draw: 'Draw a new zone', edit: 'Edit the selected zone’s boundary', clear: 'Clear the drawing', save: 'Save as draft',
    code: 'Zone code', name: 'Zone name', findings: 'Findings', noFindings: 'No errors', saved: 'Draft saved',
    version: 'Version', compare: 'Compare the two selected versions', error: 'error', warning: 'warning',
    upload: 'Upload a marker coordinate table (CSV)', markers: 'Markers', rejected: 'Rejected rows', line: 'Line', reason: 'Reason',
    unmarked: 'Corners without a marker', deviation: 'Deviation (cm)', ok: 'In place', 'out-of-tolerance': 'Out of tolerance',
    replaceAsk: '{n} marker(s) of this table are already in the registry ({list}). Uploading again replaces them.', replaceDo: 'Replace the existing markers',
    'no-zone': 'Near no zone', stakeout: 'Download the stake-out table of the selected zone', spacing: 'Maximum spacing (m)',
    selectZone: 'Select a zone on the map first', nothingDrawn: 'Nothing drawn yet',
  },
};

let current = localStorage.getItem('zoning-lang') === 'en' ? 'en' : 'vi';

export const lang = () => current;
export function setLang(l) {
  current = l;
  localStorage.setItem('zoning-lang', l);
  document.documentElement.lang = l;
}
export const t = (key) => STRINGS[current][key] ?? STRINGS.vi[key] ?? key;

// 7.840 in Vietnamese, 7,840 in English; `max` decimals at most, `min` at least.
export function num(v, min = 0, max = min) {
  return new Intl.NumberFormat(current === 'vi' ? 'vi-VN' : 'en-US', {
    minimumFractionDigits: min, maximumFractionDigits: max,
  }).format(v);
}

// "Quang Chau" finds "Quang Châu": compare without case or diacritics.
export function fold(s) {
  return (s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
}
