-- Normalise, hash and classify (kind, text) pairs: TEMP view _texts → _cls, then the staged
-- messages of one import (TEMP table _new → _keyed). Reclassifying a workspace whose word lists
-- changed runs only the first statement, over every stored message.
-- Named parameters: fw/hw (fullwidth → halfwidth characters) and the patterns of
-- core/lexicon.category_patterns().
-- Chat text repeats a lot (收到, 好的, [图片]): each distinct (kind, text) is classified once.
create or replace temp table _cls as
with base as (
    select kind, text, translate(coalesce(text, ''), $fw, $hw) as t
    from (select distinct kind, text from _texts)
),
norm as (
    select b.*,
           -- duplicate-notice key: no @mentions, whitespace, punctuation or symbols, lower case
           case when b.kind in ('text', 'quote', 'link')
                then regexp_replace(regexp_replace(lower(b.t), '@[^\s\x{2005}@]{1,20}[\s\x{2005}]?', '', 'g'),
                                    '[\s\p{P}\p{S}]', '', 'g')
                else '' end as norm_text,
           -- acknowledgement check: also without [表情] codes
           regexp_replace(regexp_replace(lower(b.t), '\[[^\[\]]{1,8}\]', '', 'g'), '[\s\p{P}\p{S}]', '', 'g')
               as bare
    from base b
)
select n.kind, n.text,
       case when n.norm_text = '' then null else hash(n.norm_text) end as norm_hash,
       length(n.norm_text) as norm_len,
       case
           when n.kind in ('system', 'recall') then 'system'
           when n.kind in ('red_packet', 'transfer') then 'red_packet'
           when n.kind = 'file' then 'document'
           when n.kind = 'sticker' then 'flattery'
           when n.kind in ('text', 'quote')
                and (regexp_full_match(trim(n.t), $praise_only)
                     or (length(n.bare) <= 15 and regexp_matches(n.t, $praise_phrase))) then 'flattery'
           when n.kind in ('text', 'quote') and n.bare <> '' and regexp_full_match(n.bare, $ack) then 'ack'
           when n.kind in ('image', 'video') then 'photo_checkin'
           when n.kind in ('text', 'quote', 'link') and regexp_matches(n.t, $photo) then 'photo_checkin'
           when n.kind in ('text', 'quote', 'link') and regexp_matches(n.t, $assignment) then 'assignment'
           when n.kind = 'link' and n.bare <> '' then 'offtopic'
           when n.kind in ('text', 'quote') and regexp_matches(n.t, $offtopic) then 'offtopic'
           else 'other'
       end as category
from norm n;

create or replace temp table _keyed as
select n.*, c.norm_hash, c.norm_len, c.category
from _new n
join _cls c on c.kind = n.kind and c.text is not distinct from n.text
where n.sent_at is not null and n.group_id is not null;
