"""The public page's words in Azerbaijani (the default), Russian and English, and dates written out in each."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

Lang = Literal["az", "ru", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "az"

LANG_NAMES: dict[Lang, str] = {"az": "Azərbaycanca", "ru": "Русский", "en": "English"}

TEXT: dict[Lang, dict[str, str]] = {
    "az": {
        "title": "Mobil ASAN xidmət: yaxın səfərlər",
        "intro": "Mobil ASAN xidmət avtobusları və ASAN Qatar bu yerlərdə vətəndaşları qəbul edəcək.",
        "place": "Yer",
        "all_places": "Bütün yerlər",
        "date": "Tarix",
        "all_dates": "Bütün tarixlər",
        "show": "Göstər",
        "reset": "Sıfırla",
        "none": "Seçilmiş yer və tarix üçün səfər planlaşdırılmayıb.",
        "times": "Vaxt Bakı vaxtı ilə göstərilir.",
        "on_map": "Xəritədə",
        "calendar": "Təqvim (iCal)",
        "geojson": "Məlumat (GeoJSON)",
        "language": "Dil",
        "bus": "Mobil ASAN xidmət avtobusu",
        "train": "ASAN Qatar",
        "list": "Səfərlər",
        "hours_saved": "Bu səfərlər sakinlərə xidmət mərkəzinə gediş-gəlişdə təxminən {hours} saat qənaət edəcək.",
    },
    "ru": {
        "title": "Мобильный ASAN xidmət: ближайшие выезды",
        "intro": "Мобильные автобусы ASAN xidmət и поезд ASAN Qatar будут принимать граждан в этих местах.",
        "place": "Место",
        "all_places": "Все места",
        "date": "Дата",
        "all_dates": "Все даты",
        "show": "Показать",
        "reset": "Сбросить",
        "none": "На выбранное место и дату выездов не запланировано.",
        "times": "Время указано по Баку.",
        "on_map": "На карте",
        "calendar": "Календарь (iCal)",
        "geojson": "Данные (GeoJSON)",
        "language": "Язык",
        "bus": "Мобильный автобус ASAN xidmət",
        "train": "Поезд ASAN Qatar",
        "list": "Выезды",
        "hours_saved": "Эти выезды сэкономят жителям около {hours} часов дороги до центра обслуживания и обратно.",
    },
    "en": {
        "title": "Mobile ASAN xidmət: upcoming visits",
        "intro": "The mobile ASAN xidmət buses and the ASAN Qatar train will receive citizens at these places.",
        "place": "Place",
        "all_places": "All places",
        "date": "Date",
        "all_dates": "All dates",
        "show": "Show",
        "reset": "Reset",
        "none": "No visit is planned for the chosen place and date.",
        "times": "Times are Baku time.",
        "on_map": "On the map",
        "calendar": "Calendar (iCal)",
        "geojson": "Data (GeoJSON)",
        "language": "Language",
        "bus": "Mobile ASAN xidmət bus",
        "train": "ASAN Qatar train",
        "list": "Visits",
        "hours_saved": "These visits will spare residents about {hours} hours of travel to a service centre and back.",
    },
}

_WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "az": ("Bazar ertəsi", "Çərşənbə axşamı", "Çərşənbə", "Cümə axşamı", "Cümə", "Şənbə", "Bazar"),
    "ru": ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS: dict[Lang, tuple[str, ...]] = {
    "az": (
        "yanvar",
        "fevral",
        "mart",
        "aprel",
        "may",
        "iyun",
        "iyul",
        "avqust",
        "sentyabr",
        "oktyabr",
        "noyabr",
        "dekabr",
    ),
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def text(lang: Lang, key: str) -> str:
    return TEXT[lang][key]


def format_day(lang: Lang, day: date) -> str:
    """``day`` written out: "24 noyabr 2026, Bazar ertəsi", "24 ноября 2026, понедельник", "Monday 24 November
    2026"."""
    weekday = _WEEKDAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    if lang == "en":
        return f"{weekday} {day.day} {month} {day.year}"
    return f"{day.day} {month} {day.year}, {weekday}"


def kind_label(lang: Lang, kind: str) -> str:
    """The public name of a vehicle kind (``bus``, ``train``); an unknown kind is shown as it is."""
    return TEXT[lang].get(kind, kind) if kind in ("bus", "train") else kind
