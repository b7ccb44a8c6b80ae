"""Customers are found or created by the chat they write from."""

from __future__ import annotations

from backend.customers import service as customer_service
from backend.customers.enums import Channel, Language


async def test_found_or_created_by_channel_and_chat(app) -> None:
    async with app.state.sessionmaker() as session:
        first = await customer_service.get_or_create_by_chat(
            db_session=session, channel=Channel.telegram, chat_id="42", display_name="Li",
            language=Language.zh_hant)
        again = await customer_service.get_or_create_by_chat(
            db_session=session, channel=Channel.telegram, chat_id="42")
        elsewhere = await customer_service.get_or_create_by_chat(
            db_session=session, channel=Channel.webchat, chat_id="42")
        await session.commit()

    assert again.id == first.id
    assert elsewhere.id != first.id  # the same chat id on another channel is someone else
    assert again.language == "zh-Hant" and again.display_name == "Li"
    assert elsewhere.language == "zh-Hans"  # the default


async def test_language_and_name_are_updated_when_given(app) -> None:
    async with app.state.sessionmaker() as session:
        await customer_service.get_or_create_by_chat(
            db_session=session, channel=Channel.terminal, chat_id="me", display_name="Li")
        await session.commit()
    async with app.state.sessionmaker() as session:
        customer = await customer_service.get_or_create_by_chat(
            db_session=session, channel=Channel.terminal, chat_id="me", display_name="Lei",
            language=Language.en)
        await session.commit()
    async with app.state.sessionmaker() as session:
        stored = await customer_service.get_by_chat(db_session=session, channel="terminal",
                                                    chat_id="me")
    assert stored.id == customer.id
    assert (stored.display_name, stored.language) == ("Lei", "en")


async def test_unknown_chat_is_none(app) -> None:
    async with app.state.sessionmaker() as session:
        assert await customer_service.get_by_chat(db_session=session, channel="telegram",
                                                  chat_id="nobody") is None
