"""How well documents become radio text: 20 commune notices written here in the usual style
(meetings, vaccination days, storm warnings, tax and insurance deadlines, land-use plans),
each rendered as a Word file, a PDF with a text layer and a photo of the printed page (200 dpi,
slightly turned, noisy), read by `services.documents.reading.read_document`.

Prints per format: the character error rate of the text the bot would read against the text
written (title and body), the share of header and signature lines wrongly kept, and seconds
per page. Targets: DOCX and text PDF under 1 %, photo under 5 %, no header line kept.

    .venv/bin/python -m bench.documents [--only N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from services.documents.reading import read_document
from tests.documents_support import Notice, docx_bytes, pdf_bytes, photo_bytes


def _n(number: str, subject: str, *body: str, title: str = "THÔNG BÁO") -> Notice:
    return Notice(number=number, title=title, subject=subject, body=list(body))


NOTICES = [
    _n("101/TB-UBND", "Về việc tổ chức họp dân thôn Đông quý IV năm 2026",
       "UBND xã An Bình thông báo tổ chức họp dân thôn Đông vào lúc 19h30 ngày 20/11/2026 tại "
       "nhà văn hóa thôn.",
       "Nội dung cuộc họp: thông qua kết quả thực hiện chương trình xây dựng NTM năm 2026, bàn "
       "kế hoạch làm đường giao thông nội đồng và đóng góp quỹ an ninh thôn.",
       "Đề nghị mỗi hộ gia đình cử một đại diện tham dự đầy đủ, đúng giờ."),
    _n("102/TB-UBND", "Về việc tiêm vắc xin phòng bệnh dại cho chó, mèo",
       "Thực hiện kế hoạch phòng chống bệnh dại năm 2026, UBND xã tổ chức tiêm vắc xin phòng "
       "dại cho chó, mèo trên địa bàn xã.",
       "Thời gian: từ 7h00 đến 11h00 các ngày 12 và 13/12/2026. Địa điểm: tại nhà văn hóa các "
       "thôn.",
       "Giá tiêm: 50.000 đồng/con. Các hộ nuôi chó, mèo có trách nhiệm đưa vật nuôi đi tiêm "
       "đầy đủ. Mọi thắc mắc liên hệ cán bộ thú y xã, số điện thoại 0987 654 321."),
    _n("103/TB-UBND", "Về việc chủ động ứng phó với cơn bão số 9",
       "Theo tin của Trung tâm Dự báo khí tượng thủy văn quốc gia, cơn bão số 9 có khả năng ảnh "
       "hưởng trực tiếp đến địa bàn xã từ đêm ngày 25/11/2026, gió giật cấp 10, mưa rất to.",
       "UBND xã đề nghị nhân dân khẩn trương gia cố nhà cửa, chằng chống mái tôn, thu hoạch "
       "sớm lúa và hoa màu, không ra sông, suối, không đánh bắt thủy sản khi có bão.",
       "Các hộ ở vùng trũng thấp chuẩn bị sẵn sàng di dời đến nơi an toàn khi có yêu cầu của "
       "Ban Chỉ huy PCTT và TKCN xã."),
    _n("104/TB-UBND", "Về thời hạn nộp thuế sử dụng đất phi nông nghiệp năm 2026",
       "UBND xã thông báo thời hạn nộp thuế sử dụng đất phi nông nghiệp năm 2026 là trước ngày "
       "31/12/2026.",
       "Các hộ gia đình, cá nhân nộp thuế tại bộ phận tiếp nhận và trả kết quả của UBND xã "
       "hoặc nộp trực tuyến qua Cổng dịch vụ công quốc gia.",
       "Quá thời hạn trên, người nộp thuế phải nộp tiền chậm nộp theo quy định của pháp luật."),
    _n("105/TB-UBND", "Về việc gia hạn thẻ bảo hiểm y tế hộ gia đình năm 2027",
       "Thẻ BHYT hộ gia đình năm 2026 sẽ hết hạn vào ngày 31/12/2026. Để được hưởng quyền lợi "
       "khám chữa bệnh liên tục, đề nghị các hộ gia hạn thẻ trước ngày 20/12/2026.",
       "Mức đóng năm 2027 của người thứ nhất là 1.264.000 đồng; từ người thứ hai trở đi được "
       "giảm dần theo quy định.",
       "Nhân dân liên hệ đại lý thu BHXH tại các thôn hoặc UBND xã trong giờ hành chính."),
    _n("106/TB-UBND", "Về việc công khai kế hoạch sử dụng đất năm 2027 của huyện Đông Sơn",
       "Thực hiện quy định của Luật Đất đai, UBND xã công khai kế hoạch sử dụng đất năm 2027 "
       "của huyện Đông Sơn trên địa bàn xã An Bình.",
       "Hồ sơ kế hoạch được niêm yết tại trụ sở UBND xã và nhà văn hóa các thôn từ ngày "
       "01/12/2026 đến hết ngày 31/12/2026.",
       "Mọi ý kiến góp ý của nhân dân xin gửi về công chức địa chính xã trong thời gian niêm "
       "yết."),
    _n("107/TB-UBND", "Về lịch tiêm chủng mở rộng tháng 12 năm 2026",
       "Trạm Y tế xã tổ chức tiêm chủng mở rộng cho trẻ em dưới 1 tuổi vào ngày 10/12/2026.",
       "Thời gian: buổi sáng từ 7h30 đến 11h00, buổi chiều từ 13h30 đến 16h30.",
       "Khi đi tiêm, cha mẹ mang theo sổ tiêm chủng và giấy khai sinh của trẻ. Trẻ đang sốt "
       "hoặc mắc bệnh cấp tính cần báo cho cán bộ y tế trước khi tiêm."),
    _n("108/TB-UBND", "Về việc tạm ngừng cấp điện để sửa chữa đường dây",
       "Điện lực Đông Sơn thông báo tạm ngừng cấp điện để sửa chữa, bảo dưỡng đường dây trung "
       "thế từ 6h00 đến 17h00 ngày 08/12/2026.",
       "Khu vực mất điện: toàn bộ thôn Đoài và thôn Trung. Đề nghị nhân dân chủ động sắp xếp "
       "sinh hoạt, sản xuất trong thời gian trên.",
       "Trường hợp công việc hoàn thành sớm, điện sẽ được cấp trở lại mà không báo trước."),
    _n("109/TB-UBND", "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
       "Nhân kỷ niệm 96 năm Ngày thành lập Mặt trận Tổ quốc Việt Nam, Ban công tác Mặt trận "
       "các thôn tổ chức Ngày hội Đại đoàn kết toàn dân tộc.",
       "Thời gian: ngày 16/11/2026. Chương trình gồm phần lễ tại nhà văn hóa thôn và phần hội "
       "với các trò chơi dân gian, văn nghệ, thể thao.",
       "Kính mời bà con nhân dân đến dự đông đủ."),
    _n("110/TB-UBND", "Về việc thu gom, xử lý rác thải sinh hoạt",
       "Từ ngày 01/12/2026, xe thu gom rác thải sinh hoạt sẽ hoạt động vào sáng thứ Hai, thứ "
       "Tư và thứ Sáu hằng tuần.",
       "Đề nghị các hộ gia đình phân loại rác tại nguồn, để rác đúng nơi quy định trước 6h00 "
       "sáng, tuyệt đối không đổ rác xuống kênh, mương.",
       "Mức thu phí vệ sinh môi trường là 20.000 đồng/hộ/tháng."),
    _n("111/TB-UBND", "Về việc đăng ký khám tuyển nghĩa vụ quân sự năm 2027",
       "Thực hiện Luật Nghĩa vụ quân sự, Ban Chỉ huy quân sự xã thông báo công dân nam sinh "
       "năm 2009 đến đăng ký nghĩa vụ quân sự lần đầu.",
       "Thời gian đăng ký: từ ngày 01/12/2026 đến ngày 15/12/2026 tại trụ sở UBND xã.",
       "Khi đi mang theo CCCD. Công dân không đăng ký đúng thời hạn sẽ bị xử lý theo quy định."),
    _n("112/TB-UBND", "Về việc phòng chống cháy rừng mùa khô",
       "Hiện nay thời tiết hanh khô kéo dài, nguy cơ cháy rừng ở cấp cao.",
       "UBND xã nghiêm cấm đốt nương, đốt rác, đốt thực bì gần rừng; người vào rừng không "
       "được mang theo lửa.",
       "Khi phát hiện cháy rừng, nhân dân báo ngay cho UBND xã hoặc gọi 114 để được hỗ trợ "
       "kịp thời."),
    _n("113/TB-UBND", "Về việc chi trả trợ cấp xã hội tháng 12 năm 2026",
       "UBND xã tổ chức chi trả trợ cấp xã hội hằng tháng cho các đối tượng bảo trợ xã hội và "
       "người có công vào ngày 05/12/2026.",
       "Địa điểm chi trả: tại nhà văn hóa các thôn, từ 7h30 đến 11h30.",
       "Người nhận mang theo CCCD; trường hợp nhận thay phải có giấy ủy quyền có xác nhận của "
       "trưởng thôn."),
    _n("114/TB-UBND", "Về việc cải cách thủ tục hành chính và dịch vụ công trực tuyến",
       "UBND xã khuyến khích nhân dân nộp hồ sơ thủ tục hành chính qua Cổng dịch vụ công quốc "
       "gia để tiết kiệm thời gian, chi phí đi lại.",
       "Các thủ tục khai sinh, khai tử, đăng ký kết hôn, chứng thực đều có thể nộp trực tuyến. "
       "Công chức tư pháp - hộ tịch sẽ hướng dẫn tại bộ phận một cửa.",
       "Mọi thắc mắc xin liên hệ số điện thoại 0237 3826 123."),
    _n("115/TB-UBND", "Về kế hoạch ra quân làm đường giao thông nông thôn",
       "Thực hiện phong trào xây dựng NTM, UBND xã phát động ra quân làm đường giao thông liên "
       "thôn Đông - Đoài dài 1,2 km.",
       "Thời gian ra quân: 7h00 sáng Chủ nhật ngày 14/12/2026. Mỗi hộ cử một lao động, mang "
       "theo cuốc, xẻng.",
       "Kinh phí hỗ trợ xi măng do ngân sách nhà nước cấp; nhân dân đóng góp ngày công lao "
       "động."),
    _n("116/TB-UBND", "Về việc điều tra hộ nghèo, hộ cận nghèo năm 2026",
       "UBND xã tổ chức rà soát hộ nghèo, hộ cận nghèo năm 2026 theo chuẩn nghèo đa chiều.",
       "Tổ rà soát sẽ đến từng hộ gia đình từ ngày 18/11/2026 đến ngày 30/11/2026.",
       "Đề nghị các hộ cung cấp thông tin trung thực, đầy đủ để việc rà soát được chính xác, "
       "công bằng."),
    _n("117/TB-UBND", "Về lịch tiếp công dân của Chủ tịch UBND xã",
       "Chủ tịch UBND xã tiếp công dân định kỳ vào sáng thứ Năm tuần thứ hai và tuần thứ tư "
       "hằng tháng tại trụ sở UBND xã.",
       "Công dân có kiến nghị, phản ánh mang theo giấy tờ tùy thân và tài liệu liên quan.",
       "Ngoài lịch trên, công dân có thể gửi phản ánh qua hộp thư góp ý hoặc ứng dụng Thôn Số."),
    _n("118/TB-UBND", "Về việc phòng chống dịch sốt xuất huyết",
       "Trên địa bàn xã đã ghi nhận 5 ca mắc sốt xuất huyết tại thôn Trung.",
       "UBND xã đề nghị nhân dân thực hiện chiến dịch diệt lăng quăng, loại bỏ dụng cụ chứa "
       "nước đọng quanh nhà, ngủ màn kể cả ban ngày.",
       "Khi có dấu hiệu sốt cao, xuất huyết dưới da, cần đến ngay Trạm Y tế xã để được khám và "
       "điều trị."),
    _n("119/TB-UBND", "Về việc đóng bảo hiểm xã hội tự nguyện",
       "Người lao động tự do từ đủ 15 tuổi trở lên có thể tham gia BHXH tự nguyện để được "
       "hưởng lương hưu khi về già.",
       "Nhà nước hỗ trợ 30% mức đóng cho người thuộc hộ nghèo, 25% cho hộ cận nghèo và 10% "
       "cho các đối tượng khác.",
       "Bà con liên hệ đại lý thu BHXH của xã để được tư vấn và đăng ký tham gia."),
    _n("120/KH-UBND", "Tổ chức lễ ra quân vệ sinh môi trường đón Tết Nguyên đán",
       "UBND xã xây dựng kế hoạch tổ chức lễ ra quân tổng vệ sinh môi trường chào đón Tết "
       "Nguyên đán năm 2027.",
       "Thời gian: ngày 10/01/2027. Các thôn tổ chức phát quang bụi rậm, khơi thông cống rãnh, "
       "thu gom rác thải trên các tuyến đường.",
       "Đoàn Thanh niên, Hội Phụ nữ, Hội Cựu chiến binh chủ trì tại các thôn.",
       title="KẾ HOẠCH"),
]


def error_rate(read: str, written: str) -> float:
    """Levenshtein distance over characters, divided by the length of what was written
    (spacing differences count: a listener does not hear them, but the reader sees them)."""
    a, b = " ".join(read.split()), " ".join(written.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(1, len(b))


def kept_lines(read: str, notice: Notice) -> tuple[int, int]:
    """(header and signature lines found in what is read, how many there are)."""
    lines = [line for line in [*notice.header_lines(), *notice.closing_lines()]
             if line not in notice.expected()]
    return sum(line in read for line in lines), len(lines)


Render = Callable[[Notice], bytes]
FORMATS: dict[str, tuple[Render, str]] = {
    "docx": (docx_bytes, "tb.docx"), "text pdf": (pdf_bytes, "tb.pdf"),
    "photo": (lambda n: photo_bytes(n, seed=int(n.number.split("/")[0])), "tb.jpg"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, default=len(NOTICES), help="first N notices")
    args = parser.parse_args()
    notices = NOTICES[: args.only]
    print(f"{len(notices)} notices")
    print(f"{'format':<10} {'CER':>7} {'worst':>7} {'header kept':>12} {'s/page':>7} "
          f"{'refused':>8}")
    for name, (render, filename) in FORMATS.items():
        rates, kept, lines, seconds, pages, refused = [], 0, 0, 0.0, 0, 0
        for notice in notices:
            data = render(notice)
            start = time.perf_counter()
            read = read_document(data, filename)
            seconds += time.perf_counter() - start
            pages += max(1, read.pages)
            if read.reason is not None:
                refused += 1
                continue
            rates.append(error_rate(read.text, notice.expected()))
            found, total = kept_lines(read.text, notice)
            kept, lines = kept + found, lines + total
        mean = sum(rates) / len(rates) if rates else float("nan")
        worst = max(rates) if rates else float("nan")
        print(f"{name:<10} {mean:>7.2%} {worst:>7.2%} {kept / max(1, lines):>12.1%} "
              f"{seconds / pages:>7.2f} {refused:>8}")


if __name__ == "__main__":
    main()
