// Vietnamese first, English one click away.
export const STRINGS = {
  vi: {
    title: 'KCN và CCN — tỉnh Bắc Ninh',
    search: 'Tìm khu, xã, phường hoặc huyện cũ', searchHint: 'Tìm khu, xã, phường, huyện cũ — ví dụ Quang Châu', noMatch: 'Không tìm thấy',
    public: 'Bản đồ', planner: 'Quy hoạch', surveyor: 'Khảo sát', otherLang: 'EN', otherLangName: 'English',
    illustrative: 'Ranh giới các khu trên bản đồ này là minh họa (chưa có ranh giới chính thức công bố), trừ khi thẻ của khu ghi khác.',
    legend: 'Chú giải', kcn: 'KCN (khu công nghiệp)', ccn: 'CCN (cụm công nghiệp)',
    existing: 'hiện có năm 2021', new: 'thành lập mới', expansion: 'phần mở rộng', merged: 'CCN chuyển thành KCN',
    removed: 'đưa ra khỏi quy hoạch', dashed: 'nét đứt: ranh giới minh họa', solid: 'nét liền: ranh giới đo đạc hoặc số hóa',
    targets: 'Tiến độ so với Nghị quyết của Tỉnh ủy tỉnh Bắc Giang cũ (mục tiêu 6)', kcn2030: 'KCN đến năm 2030', ccn2030: 'CCN đến năm 2030',
    kcnAdded: 'Đất KCN tăng thêm', ccnAdded: 'Đất CCN tăng thêm', ccnRemoved: 'Đất CCN đưa ra khỏi quy hoạch',
    inUse: 'Hoàn thành hạ tầng 2021–2025', zones: 'khu', of: '/',
    layers: 'Lớp bản đồ', showRemoved: 'Hiện CCN đã đưa ra khỏi quy hoạch', osm: 'Nền OpenStreetMap (cần Internet)',
    kind: 'Loại', planAction: 'Quy hoạch 2021–2030', declared: 'Diện tích theo quy hoạch', grid: 'Diện tích tính từ ranh giới (lưới VN-2000)',
    geodesic: 'Diện tích trắc địa (WGS84)', district: 'Huyện cũ (trước 7/2025)', infrastructure: 'Hạ tầng', sources: 'Nguồn',
    geometry: 'Ranh giới', status: 'Trạng thái', close: 'Đóng', history: 'Lịch sử', link: 'Liên kết', basis: 'cơ sở',
    sourced: 'có nguồn', derived: 'suy ra', placeholder: 'giả định (chưa có số liệu công bố)',
    illustrativeGeom: 'minh họa', surveyed: 'đo đạc', digitised: 'số hóa',
    planned: 'mới quy hoạch', under_construction: 'đang xây dựng', in_use: 'đang hoạt động', unknown: 'chưa rõ',
    draft: 'bản nháp', approved: 'đã phê duyệt',
    userName: 'Tên đăng nhập', password: 'Mật khẩu', useToken: 'Dùng mã truy cập (token) thay mật khẩu',
    badPassword: 'Sai tên đăng nhập hoặc mật khẩu', tooManyTries: 'Nhập sai quá nhiều lần; thử lại sau {s} giây',
    token: 'Mã truy cập (token)', signIn: 'Đăng nhập', signOut: 'Đăng xuất', signedIn: 'Đã đăng nhập', badToken: 'Mã truy cập không đúng',
    needRole: 'Trang này cần vai trò {role}; tài khoản này là {has}.', draw: 'Vẽ khu mới', edit: 'Sửa ranh giới khu đang chọn', clear: 'Xóa hình vẽ', save: 'Lưu bản nháp',
    code: 'Mã khu', name: 'Tên khu', findings: 'Kết quả kiểm tra', noFindings: 'Không có lỗi', saved: 'Đã lưu bản nháp',
    version: 'Phiên bản', compare: 'So sánh hai phiên bản đã chọn', error: 'lỗi', warning: 'cảnh báo',
    upload: 'Tải lên bảng tọa độ mốc (CSV, Excel)', markers: 'Mốc', rejected: 'Dòng bị loại', line: 'Dòng', reason: 'Lý do',
    unmarked: 'Góc ranh giới chưa có mốc', deviation: 'Lệch (cm)', ok: 'Đạt', 'out-of-tolerance': 'Vượt sai số',
    replaceAsk: '{n} mốc trong bảng này đã có trong sổ ({list}). Tải lên lần nữa sẽ thay các mốc đó.', replaceDo: 'Thay các mốc đã có',
    'no-zone': 'Không gần khu nào', stakeout: 'Tải bảng tọa độ cắm mốc của khu đang chọn', spacing: 'Khoảng cách tối đa (m)',
    selectZone: 'Chọn một khu trên bản đồ trước', nothingDrawn: 'Chưa vẽ hình nào',
    mapLabel: 'Bản đồ các khu, xã, phường tỉnh Bắc Ninh', zoomIn: 'Phóng to', zoomOut: 'Thu nhỏ',
    provinceLine: 'Ranh giới tỉnh Bắc Ninh (từ 1/7/2025)', formerLine: 'Ranh giới tỉnh Bắc Giang cũ (trước 1/7/2025)',
    communeLine: 'Ranh giới xã, phường (từ 1/7/2025)', provinceLineCredit: 'Ranh giới tỉnh cũ',
    osmLoading: 'Đang tải nền OpenStreetMap…',
    osmOffline: 'Không tải được nền OpenStreetMap: máy đang ngoại tuyến. Bản đồ vẫn dùng nền xã, phường có sẵn.',
    osmFailed: 'Không tải được nền OpenStreetMap (không kết nối được tile.openstreetmap.org). Bản đồ vẫn dùng nền xã, phường có sẵn.',
    resultsFound: 'kết quả', ward: 'Phường', commune: 'Xã', formerDistrictTag: 'Huyện cũ', formerDistrictShort: 'huyện cũ',
    formerUnit: 'cũ', includes: 'gồm', communesWards: 'xã, phường',
    nameBasis: 'Tên khu', placeholderName: 'giữ chỗ (chưa biết khu có thật nào; chỉ để đủ số lượng theo Nghị quyết)', sourcedName: 'có nguồn',
    communesNow: 'Xã, phường (từ 7/2025)', formerProvince: 'Tỉnh cũ (trước 7/2025)', provincePrefix: 'tỉnh', formerSuffix: 'cũ',
    gridCrs: 'Lưới tọa độ pháp lý', unitType: 'Loại đơn vị', communeCode: 'Mã đơn vị', oldUnits: 'Gồm các đơn vị cũ',
    area: 'Diện tích', zonesHere: 'Các khu ở đây',
    communeSource: 'Ranh giới xã, phường: Bản đồ tham khảo đơn vị hành chính Việt Nam (sapnhap.bando.com.vn).',
    districtNote: 'Huyện cũ (trước 7/2025): từ 1/7/2025 không còn cấp huyện; địa bàn nay thuộc các xã, phường dưới đây.',
    communesNowOf: 'Nay thuộc các xã, phường',
    targetsScope: 'Các chỉ tiêu là của Nghị quyết của Tỉnh ủy Bắc Giang (tỉnh Bắc Giang cũ) và chỉ tính trên địa bàn tỉnh Bắc Giang cũ; từ 1/7/2025 địa bàn này thuộc tỉnh Bắc Ninh.',
    realZones: 'có thật', placeholderZones: 'giữ chỗ',
    realLegend: 'khu có thật (tên có nguồn)', placeholderLegend: 'khu giữ chỗ (chỉ để đủ số lượng Nghị quyết đặt ra)',
    areaNote: 'Thanh diện tích tính cả diện tích giả định của các khu giữ chỗ.',

    // the zone card (issue 16)
    expansionOf: 'phần mở rộng của', mergedInto: 'CCN chuyển thành KCN, nhập vào', expansionParts: 'Các phần mở rộng',
    mergedHere: 'CCN chuyển vào khu này', areaPlaceholder: 'giả định, chưa có số liệu công bố', areaDerived: 'tính từ ranh giới',
    technical: 'Thông tin kỹ thuật', planBasis: 'Cơ sở của hành động quy hoạch', areaBasis: 'Cơ sở của diện tích', targetSet: 'Bộ chỉ tiêu',
    sourceNote: 'Ghi chú về nguồn (tiếng Anh, nguyên văn từ dữ liệu)', recordedBy: 'người ghi', why: 'lý do', decision: 'quyết định', retired: 'đã rút',
    // roles
    'role-planner': 'người quy hoạch', 'role-surveyor': 'người khảo sát', 'role-admin': 'quản trị viên',
    wrongRole: 'Đã đăng nhập: {name} ({role}). Trang này dành cho {need}; muốn dùng, hãy đăng nhập bằng tài khoản {need}.',
    // the planner
    loadFile: 'Nạp ranh giới từ tệp GeoJSON (WGS84, hoặc EPSG:9214 / EPSG:9209 ghi trong tệp)',
    editHint: 'Vẽ: nhấp để thêm đỉnh, nhấp đúp để kết thúc; Backspace xóa đỉnh vừa thêm; Esc hủy hình đang vẽ. Sửa: kéo một đỉnh hoặc cạnh; Alt + nhấp vào một đỉnh để xóa đỉnh đó; Ctrl + Z hoàn tác lần sửa cuối.',
    changeReason: 'Lý do thay đổi', changeReasonHint: 'ví dụ: điều chỉnh theo bản đồ đo đạc 2026',
    changeDecision: 'Quyết định', changeDecisionHint: 'ví dụ: Quyết định 123/QĐ-UBND',
    drawing: 'Đang vẽ: nhấp để thêm đỉnh, nhấp đúp để kết thúc.', drawCancelled: 'Đã hủy hình đang vẽ.', drawn: 'Đã vẽ xong: kéo một đỉnh để sửa; Ctrl + Z hoàn tác lần sửa cuối.',
    nothingToUndo: 'Không còn lần sửa nào để hoàn tác.', undone: 'Đã hoàn tác lần sửa cuối.', editing: 'Đang sửa ranh giới của {zone}.',
    kindFromNear: 'Loại đặt là {kind} vì khu gần nhất là {zone}; đổi nếu cần.',
    kindFromView: 'Loại đặt là {kind} vì vùng đang xem có {kcn} KCN và {ccn} CCN; đổi nếu cần.',
    kindFromFile: 'Loại {kind} lấy từ tệp.',
    fileLoaded: 'Đã nạp ranh giới từ tệp {name} ({crs}).', fileLoadedExisting: 'Đã nạp ranh giới từ tệp {name} ({crs}); mã {code} đã có trong sổ, nên khi lưu sẽ thành một phiên bản mới của khu đó.',
    fileNotJson: 'Tệp không phải GeoJSON đọc được.', fileNoPolygon: 'Tệp không có vùng (Polygon hoặc MultiPolygon) nào.',
    fileCrs: 'Tệp dùng một hệ tọa độ chưa hỗ trợ; dùng WGS84, EPSG:9214 hoặc EPSG:9209.',
    fileLooksProjected: 'Tọa độ trong tệp là mét (lưới chiếu) nhưng tệp không ghi hệ tọa độ; thêm mục "crs" (EPSG:9214 hoặc EPSG:9209) hoặc xuất lại theo WGS84.',
    findingsErrors: '{n} lỗi cần sửa trước khi khu được phê duyệt.', findingsWarnings: 'Không có lỗi; {n} cảnh báo nên xem.',
    errorTitle: 'Lỗi', warningTitle: 'Cảnh báo', whatToDo: 'Cách sửa', serverSays: 'Chi tiết từ máy chủ',
    savedCode: 'Đã lưu bản nháp: {code}', draftLegend: 'bản nháp (chưa phê duyệt; chỉ người quy hoạch thấy)',
    // the surveyor
    surveyTerms: 'Dung sai: {tol} cm; tìm khu trong bán kính {radius} m; hệ tọa độ: {crs}.',
    markerTableCaption: 'Nhấp vào một dòng để xem mốc trên bản đồ.', markerNo: 'Số hiệu mốc', zoneMatched: 'Khu đối chiếu',
    showMarker: 'Xem mốc {id} trên bản đồ', noZoneWithin: 'không có khu nào trong {radius} m', noneRejected: 'Không có dòng nào bị loại.',
    unmarkedCount: '{n} góc', zone: 'Khu', xNorthing: 'X (Bắc, m)', yEasting: 'Y (Đông, m)', gridCol: 'Lưới', nearestMarker: 'Mốc gần nhất',
  },
  en: {
    title: 'Industrial parks (KCN) and clusters (CCN) — Bắc Ninh province',
    search: 'Find a zone, commune, ward or former district', searchHint: 'Zone, commune, ward, former district — e.g. Quang Chau', noMatch: 'No match',
    public: 'Map', planner: 'Planner', surveyor: 'Surveyor', otherLang: 'VI', otherLangName: 'Tiếng Việt',
    illustrative: 'Zone boundaries on this map are illustrative (no official boundaries are public), unless a zone’s card says otherwise.',
    legend: 'Legend', kcn: 'KCN (industrial park)', ccn: 'CCN (industrial cluster)',
    existing: 'existing in 2021', new: 'newly established', expansion: 'expansion part', merged: 'CCN merged into a KCN',
    removed: 'removed from the plan', dashed: 'dashed: illustrative boundary', solid: 'solid: surveyed or digitised boundary',
    targets: 'Progress against the resolution of the former Bắc Giang province’s Party Committee (target 6)', kcn2030: 'KCN by 2030', ccn2030: 'CCN by 2030',
    kcnAdded: 'KCN land added', ccnAdded: 'CCN land added', ccnRemoved: 'CCN land removed from the plan',
    inUse: 'Infrastructure complete 2021–2025', zones: 'zones', of: '/',
    layers: 'Layers', showRemoved: 'Show CCN removed from the plan', osm: 'OpenStreetMap background (needs Internet)',
    kind: 'Kind', planAction: '2021–2030 plan', declared: 'Area in the plan', grid: 'Area of the boundary (VN-2000 grid)',
    geodesic: 'Geodesic area (WGS84)', district: 'Former district (before 7/2025)', infrastructure: 'Infrastructure', sources: 'Sources',
    geometry: 'Boundary', status: 'Status', close: 'Close', history: 'History', link: 'Link', basis: 'basis',
    sourced: 'sourced', derived: 'derived', placeholder: 'placeholder (no published figure)',
    illustrativeGeom: 'illustrative', surveyed: 'surveyed', digitised: 'digitised',
    planned: 'planned', under_construction: 'under construction', in_use: 'in use', unknown: 'unknown',
    draft: 'draft', approved: 'approved',
    userName: 'User name', password: 'Password', useToken: 'Use an access token instead of a password',
    badPassword: 'Wrong user name or password', tooManyTries: 'Too many wrong tries; try again in {s} seconds',
    token: 'Access token', signIn: 'Sign in', signOut: 'Sign out', signedIn: 'Signed in', badToken: 'Unknown token',
    needRole: 'This page needs the {role} role; this account is a {has}.', draw: 'Draw a new zone', edit: 'Edit the selected zone’s boundary', clear: 'Clear the drawing', save: 'Save as draft',
    code: 'Zone code', name: 'Zone name', findings: 'Findings', noFindings: 'No errors', saved: 'Draft saved',
    version: 'Version', compare: 'Compare the two selected versions', error: 'error', warning: 'warning',
    upload: 'Upload a marker coordinate table (CSV, Excel)', markers: 'Markers', rejected: 'Rejected rows', line: 'Line', reason: 'Reason',
    unmarked: 'Corners without a marker', deviation: 'Deviation (cm)', ok: 'In place', 'out-of-tolerance': 'Out of tolerance',
    replaceAsk: '{n} marker(s) of this table are already in the registry ({list}). Uploading again replaces them.', replaceDo: 'Replace the existing markers',
    'no-zone': 'Near no zone', stakeout: 'Download the stake-out table of the selected zone', spacing: 'Maximum spacing (m)',
    selectZone: 'Select a zone on the map first', nothingDrawn: 'Nothing drawn yet',
    mapLabel: 'Map of the zones, communes and wards of Bắc Ninh province', zoomIn: 'Zoom in', zoomOut: 'Zoom out',
    provinceLine: 'Bắc Ninh province boundary (since 1 July 2025)', formerLine: 'Former Bắc Giang province boundary (before 1 July 2025)',
    communeLine: 'Commune and ward boundaries (since 1 July 2025)', provinceLineCredit: 'Former province boundary',
    osmLoading: 'Loading the OpenStreetMap background…',
    osmOffline: 'The OpenStreetMap background cannot load: this computer is offline. The map keeps its own commune ground.',
    osmFailed: 'The OpenStreetMap background cannot load (tile.openstreetmap.org is not reachable). The map keeps its own commune ground.',
    resultsFound: 'results', ward: 'Ward', commune: 'Commune', formerDistrictTag: 'Former district', formerDistrictShort: 'former district',
    formerUnit: 'former', includes: 'includes', communesWards: 'communes and wards',
    nameBasis: 'Zone name', placeholderName: 'placeholder (no real zone known; only fills the resolution’s count)', sourcedName: 'sourced',
    communesNow: 'Communes and wards (since 7/2025)', formerProvince: 'Former province (before 7/2025)', provincePrefix: 'former', formerSuffix: 'province',
    gridCrs: 'Legal grid', unitType: 'Unit', communeCode: 'Unit code', oldUnits: 'Made of the former units',
    area: 'Area', zonesHere: 'Zones here',
    communeSource: 'Commune and ward boundaries: Vietnam Administrative Units Reference Map (sapnhap.bando.com.vn).',
    districtNote: 'Former district (before 7/2025): districts were abolished on 1 July 2025; its land now belongs to the communes and wards below.',
    communesNowOf: 'Now in the communes and wards',
    targetsScope: 'The targets are those of the resolution of the Bắc Giang Party Committee (the former Bắc Giang province) and count only the former Bắc Giang; since 1 July 2025 that land is part of Bắc Ninh province.',
    realZones: 'real', placeholderZones: 'placeholders',
    realLegend: 'real zones (sourced names)', placeholderLegend: 'placeholders (only fill the count the resolution sets)',
    areaNote: 'The area bars include the assumed areas of the placeholders.',

    // the zone card (issue 16)
    expansionOf: 'expansion part of', mergedInto: 'CCN merged into the KCN', expansionParts: 'Expansion parts',
    mergedHere: 'CCN merged into this zone', areaPlaceholder: 'assumed, no published figure', areaDerived: 'computed from the boundary',
    technical: 'Technical details', planBasis: 'Basis of the plan action', areaBasis: 'Basis of the area', targetSet: 'Target set',
    sourceNote: 'Note on the sources (from the data)', recordedBy: 'recorded by', why: 'reason', decision: 'decision', retired: 'withdrawn',
    'role-planner': 'planner', 'role-surveyor': 'surveyor', 'role-admin': 'administrator',
    wrongRole: 'Signed in: {name} ({role}). This page is for a {need}; to use it, sign in with a {need}\'s account.',
    loadFile: 'Load a boundary from a GeoJSON file (WGS84, or EPSG:9214 / EPSG:9209 named in the file)',
    editHint: 'Draw: click to add a vertex, double-click to finish; Backspace removes the last vertex; Esc cancels the drawing. Edit: drag a vertex or an edge; Alt + click a vertex to delete it; Ctrl + Z undoes the last edit.',
    changeReason: 'Reason for the change', changeReasonHint: 'e.g. adjusted to the 2026 survey',
    changeDecision: 'Decision', changeDecisionHint: 'e.g. Decision 123/QĐ-UBND',
    drawing: 'Drawing: click to add vertices, double-click to finish.', drawCancelled: 'The drawing was cancelled.', drawn: 'Drawing finished: drag a vertex to change it; Ctrl + Z undoes the last edit.',
    nothingToUndo: 'Nothing left to undo.', undone: 'The last edit was undone.', editing: 'Editing the boundary of {zone}.',
    kindFromNear: 'Kind set to {kind} because the nearest zone is {zone}; change it if needed.',
    kindFromView: 'Kind set to {kind} because the view holds {kcn} KCN and {ccn} CCN; change it if needed.',
    kindFromFile: 'Kind {kind} taken from the file.',
    fileLoaded: 'Boundary loaded from {name} ({crs}).', fileLoadedExisting: 'Boundary loaded from {name} ({crs}); code {code} is in the registry, so saving makes a new version of that zone.',
    fileNotJson: 'The file is not readable GeoJSON.', fileNoPolygon: 'The file has no area (Polygon or MultiPolygon).',
    fileCrs: 'The file uses a coordinate system not supported here; use WGS84, EPSG:9214 or EPSG:9209.',
    fileLooksProjected: 'The file\'s coordinates are metres (a projected grid) but the file does not name its coordinate system; add a "crs" member (EPSG:9214 or EPSG:9209) or export it in WGS84.',
    findingsErrors: '{n} error(s) to fix before the zone can be approved.', findingsWarnings: 'No errors; {n} warning(s) worth a look.',
    errorTitle: 'Error', warningTitle: 'Warning', whatToDo: 'What to do', serverSays: 'The server\'s detail',
    savedCode: 'Draft saved: {code}', draftLegend: 'draft (not approved; only planners see it)',
    surveyTerms: 'Tolerance: {tol} cm; zones searched within {radius} m; coordinate system: {crs}.',
    markerTableCaption: 'Click a row to see the marker on the map.', markerNo: 'Marker', zoneMatched: 'Zone matched',
    showMarker: 'Show marker {id} on the map', noZoneWithin: 'no zone within {radius} m', noneRejected: 'No row was rejected.',
    unmarkedCount: '{n} corner(s)', zone: 'Zone', xNorthing: 'X (northing, m)', yEasting: 'Y (easting, m)', gridCol: 'Grid', nearestMarker: 'Nearest marker',
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

// 83 % (Vietnamese: 83%), from a share between 0 and 1
export function pct(v) {
  return new Intl.NumberFormat(current === 'vi' ? 'vi-VN' : 'en-US', { style: 'percent', maximumFractionDigits: 0 }).format(v);
}

// "Quang Chau" finds "Quang Châu": compare without case or diacritics.
export function fold(s) {
  return (s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase();
}
