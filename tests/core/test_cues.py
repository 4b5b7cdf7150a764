"""Text cues in any script, the learned model file, and check-config's language note."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest
from click.testing import CliRunner

from bot import detect, model, replies
from bot.cli import main
from bot.conversation import ChannelContext
from bot.cues import count_words, text_cues
from bot.events import Message

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text",
    [
        "这个驱动怎么安装？",  # full-width question mark
        "¿cómo instalo el controlador de la tarjeta?",
        "这个驱动怎么安装吗",  # sentence-final particle, no mark
        "このドライバはどうやってインストールしますか",
        "كيف أثبت التعريف؟",
    ],
)
def test_questions_in_other_scripts_ask(text: str) -> None:
    assert text_cues(text).asks


def test_cjk_text_is_not_one_word() -> None:
    text = "我的无线网卡在升级以后就不能用了，请问怎么办"
    assert count_words(text) >= 8
    assert not text_cues(text).features[detect.FEATURES.index("short")]
    assert count_words("hello there friend") == 3


def test_a_newcomers_question_in_japanese_is_a_question() -> None:
    ctx = ChannelContext()
    for i in range(3):
        ctx.remember(Message("slack", "C1", str(i), "dana", T0 + timedelta(minutes=i), "ビルドが終わりました", mentions=("eli",)))
    m = Message("slack", "C1", "9", "newbie", T0 + timedelta(minutes=5), "無線LANが起動時に繋がらないのですが、どう設定すればいいですか？")
    assert detect.judge(m, ctx).is_question


def test_model_file_ships_with_the_package_and_matches_the_code() -> None:
    data = json.loads(resources.files("bot").joinpath("model.json").read_text(encoding="utf-8"))
    assert tuple(data["question"]["features"]) == detect.FEATURES
    assert tuple(data["reply"]["features"]) == replies.REPLY_FEATURES
    assert "CC-BY-4.0" in data["meta"]["licence"]
    with pytest.raises(RuntimeError, match="make train"):
        model.check(model.REPLY, ("not", "the", "features"))


def test_the_fast_reply_score_equals_the_feature_vector_score() -> None:
    """link() computes the score inline for speed; it must be the model's score over candidates()."""
    ctx = ChannelContext()
    lines = [
        ("alice", "how do I mount my usb disk?"),
        ("bob", "alice: which filesystem?"),
        ("alice", "bob: ntfs I think"),
        ("carol", "hi all"),
        ("dave", "is there a way to make grub wait longer?"),
        ("bob", "alice: install ntfs-3g"),
        ("erin", "dave, edit /etc/default/grub"),
        ("alice", "thanks bob, works"),
    ]
    for i, (who, text) in enumerate(lines):
        m = Message("irc", "#h", str(i), who, T0 + timedelta(minutes=i * 0.7), text, author_name=who)
        scored = [(model.REPLY.score(x), c) for c, x in ctx.candidates(m)]
        link = ctx.link(m)
        if scored:
            best, c = max(scored, key=lambda t: t[0])
            if best >= model.REPLY.threshold:
                assert link is not None and link.msg_id == c.id and abs(link.score - best) < 1e-9
            else:
                assert link is None
        ctx.remember(m)


def test_check_config_names_a_route_language_the_detector_does_not_know(tmp_path) -> None:
    cfg = tmp_path / "u.toml"
    cfg.write_text(
        '[people.alice]\nslack = "U012AB3CD"\n\n[[routes]]\nplatform = "slack"\nchannel = "#hilfe"\n'
        'mode = "detect"\nlanguage = "de"\nchain = ["alice"]\n\n[[routes]]\nplatform = "slack"\n'
        'channel = "#help"\nlanguage = "en"\nchain = ["alice"]\n'
    )
    out = CliRunner().invoke(main, ["check-config", "--config", str(cfg)]).output
    assert "language 'de'" in out and 'mode = "all"' in out
    assert "#help" not in out.split("language 'de'")[1].split("\n")[0]
    assert out.count("whose words the question detector does not know") == 1
