-- The assistant's conversations (API.md "Prompts and assistant"): each
-- message of a conversation_id, kept so an LLM sees the earlier turns.
CREATE TABLE assistant_messages (
    id              bigserial PRIMARY KEY,
    conversation_id uuid NOT NULL,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            text NOT NULL CHECK (role IN ('user', 'assistant')),
    content         text NOT NULL,
    source          text NOT NULL CHECK (source IN ('builtin', 'openai', 'gemini', 'user')),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistant_messages_conv_idx ON assistant_messages (conversation_id, id);
