"""Tell members what happened, in the brand's voice and their language.

Every notice says which guideline, what happened, when it stops counting and how to
appeal. Communities override any template per language in their config; the defaults
below speak the six seed languages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.language_tags import primary_subtag
from bot.core.spoken_durations import spoken_duration
from bot.core.templates import pick_language, picked_language, render, template_problem
from moderation.cases import AppealStatus

Templates = Mapping[str, Mapping[str, str]]
"""Language code to template name to template text."""

DEFAULT_TEMPLATES: Templates = {
    "en": {
        "care": "Hi {member}, we read your message and we're sorry you're going through this. You're not alone: someone from the {community} team will reach out to you personally. If you are in danger right now, please contact your local emergency number or a crisis line.",
        "gated": "As a new member you can post again in {duration}, once a moderator has had a look.",
        "because_guideline": "It breaks our guideline: {guideline}.",
        "because_reason": "Reason: {reason}.",
        "deleted": "Your message in #{channel} was removed.",
        "copies_deleted": "Its earlier copies were removed too.",
        "held": "Your message in #{channel} was handed to the moderators, who will remove it.",
        "held_public": "This message was flagged and handed to the moderators (case {case}).",
        "warned": "This is a warning.",
        "timed_out": "You are timed out for {duration}.",
        "length_changed": "The length of the sanction in case {case} was changed.",
        "kicked": "You were removed from {community}; you may join again.",
        "banned": "You are banned from {community}{ban_length}.",
        "notice": "Hi {member}, a note from the {community} team: {what} {why} {expiry}{appeal}",
        "appeal": "If you think we got this wrong, appeal with {command} {case}.",
        "appeal_at": "If you think we got this wrong, appeal at {where} and quote case {case}.",
        "appeal_contact": "If you think we got this wrong, contact the {community} team and quote case {case}.",
        "expiry": "This counts on your record until {expires}. ",
        "appeal_received": "We received your appeal of case {case}. A moderator who was not involved will look at it.",
        "appeal_no_case": "You have no case {case} to appeal; its number is in the notice you received.",
        "appeal_waiting": "Your appeal of case {case} is already with the moderators; you will hear from them once it is decided.",
        "appeal_in_review": "Moderators are looking at case {case} already; you will hear from them once they decide, and can appeal then.",
        "appeal_nothing": "Case {case} does not count against you, so there is nothing to appeal.",
        "appeal_used": "Your appeal of case {case} was decided already ({outcome}); each case can be appealed once.",
        "report_received": "Thank you: the moderators will look at that message.",
        "report_not_found": "I cannot find message {message} among the latest messages of this channel.",
        "report_bot": "That message is the bot's own: write to the moderators if something is wrong with it.",
        "report_acted": "The moderators looked at the message you reported in #{channel} and acted on it. Thank you for telling us.",
        "report_kept": "The moderators looked at the message you reported in #{channel} and found it within our guidelines. Thank you for telling us.",
        "appeal_decided": "Your appeal of case {case} was decided: {outcome}. {note}",
        "record_empty": "Your record in {community} is clean.",
        "record_header": "Your record in {community}:",
        "record_case": "Case {case} ({date}): {what}. {standing}",
        "record_counts": "It counts until {expires}.",
        "record_stands": "It stays on your record.",
        "record_uncounted": "It does not count towards further sanctions.",
        "record_expired": "It no longer counts.",
        "record_appealed": "Your appeal is with the moderators.",
        "record_pardoned": "It was pardoned.",
        "record_overturned": "It was overturned on appeal.",
        "record_appeal": "To appeal a case that counts, use {command} with its number.",
        "guidelines_header": "The guidelines of {community}:",
        "guidelines_only_in": "(only in {channels})",
        "guidelines_footer": "Breaking them can lead to a warning, a timeout or a ban, and each can be appealed. See your own record with {command}.",
        "guidelines_none": "{community} has no guidelines in force here yet; ask the moderators if you are unsure.",
        "privacy": "What {community} keeps about you through Steward: the cases about you (what happened and why, with the message that led to each), your appeals and reports, your private conversations with the moderators, messages passed on to a team, your part in discussions (replies, reactions, votes) and your app's language. {kept} {ask}",
        "privacy_kept_days": "The words of your messages are deleted after {days} days, unless a case about one can still be appealed; a case's bare facts (what was done, until when it counts) stay on your record.",
        "privacy_kept": "The words of your messages are kept until they are erased; a case's bare facts (what was done, until when it counts) stay on your record.",
        "privacy_ask": "To get a copy of what is kept about you, or to have it erased, ask the moderators.",
        "privacy_ask_at": "To get a copy of what is kept about you, or to have it erased, ask at {where}.",
        "privacy_message_log": "Moderators also keep a copy of your messages that are edited or deleted (what they said before), in a staff channel: it is not erased with the rest.",
    },
    "fr": {
        "care": "Bonjour {member}, nous avons lu ton message et nous sommes désolés que tu traverses cela. Tu n'es pas seul : quelqu'un de l'équipe {community} va te contacter personnellement. Si tu es en danger maintenant, appelle le numéro d'urgence local ou une ligne d'écoute.",
        "gated": "En tant que nouveau membre, tu pourras publier à nouveau dans {duration}, après vérification par un modérateur.",
        "because_guideline": "Cela enfreint notre règle : {guideline}.",
        "because_reason": "Motif : {reason}.",
        "deleted": "Ton message dans #{channel} a été supprimé.",
        "copies_deleted": "Ses copies précédentes ont aussi été supprimées.",
        "held": "Ton message dans #{channel} a été transmis aux modérateurs, qui vont le retirer.",
        "held_public": "Ce message a été signalé et transmis aux modérateurs (cas {case}).",
        "warned": "Ceci est un avertissement.",
        "timed_out": "Tu es mis en sourdine pendant {duration}.",
        "length_changed": "La durée de la sanction du cas {case} a été modifiée.",
        "kicked": "Tu as été retiré de {community} ; tu peux revenir.",
        "banned": "Tu es banni de {community}{ban_length}.",
        "notice": "Bonjour {member}, un mot de l'équipe {community} : {what} {why} "
        "{expiry}{appeal}",
        "appeal": "Si tu penses que c'est une erreur, fais appel avec {command} {case}.",
        "appeal_at": "Si tu penses que c'est une erreur, fais appel via {where} en citant le cas {case}.",
        "appeal_contact": "Si tu penses que c'est une erreur, contacte l'équipe {community} en citant le cas {case}.",
        "expiry": "Cela compte dans ton historique jusqu'au {expires}. ",
        "appeal_received": "Nous avons reçu ton appel du cas {case}. Un modérateur non impliqué va l'examiner.",
        "appeal_no_case": "Tu n'as pas de cas {case} à contester ; son numéro figure dans la notification que tu as reçue.",
        "appeal_waiting": "Ton appel du cas {case} est déjà entre les mains des modérateurs ; ils te répondront une fois la décision prise.",
        "appeal_in_review": "Les modérateurs examinent déjà le cas {case} ; ils te répondront une fois la décision prise, et tu pourras alors faire appel.",
        "appeal_nothing": "Le cas {case} ne compte pas contre toi : il n'y a rien à contester.",
        "appeal_used": "Ton appel du cas {case} a déjà été tranché ({outcome}) ; chaque cas ne peut être contesté qu'une fois.",
        "report_received": "Merci : les modérateurs vont examiner ce message.",
        "report_not_found": "Je ne trouve pas le message {message} parmi les derniers messages de ce salon.",
        "report_bot": "Ce message vient du bot : écris aux modérateurs si quelque chose ne va pas.",
        "report_acted": "Les modérateurs ont examiné le message que tu as signalé dans #{channel} et ont agi. Merci de nous l'avoir signalé.",
        "report_kept": "Les modérateurs ont examiné le message que tu as signalé dans #{channel} et l'ont jugé conforme à nos règles. Merci de nous l'avoir signalé.",
        "appeal_decided": "Ton appel du cas {case} a été tranché : {outcome}. {note}",
        "record_empty": "Ton historique dans {community} est vierge.",
        "record_header": "Ton historique dans {community} :",
        "record_case": "Cas {case} ({date}) : {what}. {standing}",
        "record_counts": "Il compte jusqu'au {expires}.",
        "record_stands": "Il reste dans ton historique.",
        "record_uncounted": "Il ne compte pas pour de futures sanctions.",
        "record_expired": "Il ne compte plus.",
        "record_appealed": "Ton appel est entre les mains des modérateurs.",
        "record_pardoned": "Il a été annulé par les modérateurs.",
        "record_overturned": "Il a été infirmé en appel.",
        "record_appeal": "Pour contester un cas qui compte, utilise {command} avec son numéro.",
        "guidelines_header": "Les règles de {community} :",
        "guidelines_only_in": "(seulement dans {channels})",
        "guidelines_footer": "Les enfreindre peut mener à un avertissement, une mise en sourdine ou un bannissement, et chacun peut être contesté. Consulte ton historique avec {command}.",
        "guidelines_none": "{community} n'a pas encore de règles en vigueur ici ; demande aux modérateurs en cas de doute.",
        "privacy": "Ce que {community} conserve à ton sujet via Steward : les cas qui te concernent (ce qui s'est passé et pourquoi, avec le message à l'origine de chacun), tes appels et signalements, tes conversations privées avec les modérateurs, les messages transmis à une équipe, ta participation aux discussions (réponses, réactions, votes) et la langue de ton application. {kept} {ask}",
        "privacy_kept_days": "Le texte de tes messages est effacé au bout de {days} jours, sauf si un cas qui le concerne peut encore être contesté ; les faits d'un cas (ce qui a été fait, jusqu'à quand il compte) restent dans ton historique.",
        "privacy_kept": "Le texte de tes messages est conservé jusqu'à ce qu'il soit effacé ; les faits d'un cas (ce qui a été fait, jusqu'à quand il compte) restent dans ton historique.",
        "privacy_ask": "Pour obtenir une copie de ce qui est conservé à ton sujet, ou le faire effacer, demande aux modérateurs.",
        "privacy_ask_at": "Pour obtenir une copie de ce qui est conservé à ton sujet, ou le faire effacer, demande-le via {where}.",
        "privacy_message_log": "Les modérateurs gardent aussi une copie de tes messages modifiés ou supprimés (ce qu'ils disaient avant), dans un salon de l'équipe : elle n'est pas effacée avec le reste.",
    },
    "nl": {
        "care": "Hoi {member}, we lazen je bericht en het spijt ons dat je dit doormaakt. Je staat er niet alleen voor: iemand van het {community}-team neemt persoonlijk contact met je op. Ben je nu in gevaar, bel dan het lokale alarmnummer of een hulplijn.",
        "gated": "Als nieuw lid kun je over {duration} weer berichten plaatsen, nadat een moderator heeft gekeken.",
        "because_guideline": "Dit gaat tegen onze richtlijn in: {guideline}.",
        "because_reason": "Reden: {reason}.",
        "deleted": "Je bericht in #{channel} is verwijderd.",
        "copies_deleted": "De eerdere kopieën ervan zijn ook verwijderd.",
        "held": "Je bericht in #{channel} is doorgegeven aan de moderators, die het zullen verwijderen.",
        "held_public": "Dit bericht is gemeld en doorgegeven aan de moderators (zaak {case}).",
        "warned": "Dit is een waarschuwing.",
        "timed_out": "Je bent {duration} gedempt.",
        "length_changed": "De duur van de sanctie in zaak {case} is gewijzigd.",
        "kicked": "Je bent uit {community} verwijderd; je mag opnieuw lid worden.",
        "banned": "Je bent verbannen uit {community}{ban_length}.",
        "notice": "Hoi {member}, een bericht van het {community}-team: {what} {why} "
        "{expiry}{appeal}",
        "appeal": "Denk je dat dit onterecht is? Ga in beroep met {command} {case}.",
        "appeal_at": "Denk je dat dit onterecht is? Ga in beroep via {where} en noem zaak {case}.",
        "appeal_contact": "Denk je dat dit onterecht is? Neem contact op met het {community}-team en noem zaak {case}.",
        "expiry": "Dit telt mee in je dossier tot {expires}. ",
        "appeal_received": "We hebben je beroep tegen zaak {case} ontvangen. Een moderator die er niet bij betrokken was, bekijkt het.",
        "appeal_no_case": "Je hebt geen zaak {case} om tegen in beroep te gaan; het nummer staat in het bericht dat je kreeg.",
        "appeal_waiting": "Je beroep tegen zaak {case} ligt al bij de moderators; je hoort van hen zodra erover besloten is.",
        "appeal_in_review": "Moderators bekijken zaak {case} al; je hoort van hen zodra ze besluiten, en dan kun je in beroep gaan.",
        "appeal_nothing": "Zaak {case} telt niet tegen je mee, dus er valt niets tegen in beroep te gaan.",
        "appeal_used": "Over je beroep tegen zaak {case} is al besloten ({outcome}); tegen elke zaak kun je één keer in beroep gaan.",
        "report_received": "Bedankt: de moderators bekijken dat bericht.",
        "report_not_found": "Ik kan bericht {message} niet vinden tussen de laatste berichten van dit kanaal.",
        "report_bot": "Dat bericht is van de bot zelf: schrijf de moderators als er iets mis mee is.",
        "report_acted": "De moderators hebben het bericht bekeken dat je in #{channel} meldde, en hebben ingegrepen. Bedankt voor je melding.",
        "report_kept": "De moderators hebben het bericht bekeken dat je in #{channel} meldde, en vonden het binnen onze richtlijnen. Bedankt voor je melding.",
        "appeal_decided": "Over je beroep tegen zaak {case} is beslist: {outcome}. {note}",
        "record_empty": "Je dossier bij {community} is schoon.",
        "record_header": "Je dossier bij {community}:",
        "record_case": "Zaak {case} ({date}): {what}. {standing}",
        "record_counts": "Deze telt mee tot {expires}.",
        "record_stands": "Deze blijft in je dossier.",
        "record_uncounted": "Deze telt niet mee voor verdere sancties.",
        "record_expired": "Deze telt niet meer mee.",
        "record_appealed": "Je beroep ligt bij de moderators.",
        "record_pardoned": "Deze is kwijtgescholden.",
        "record_overturned": "Deze is in beroep herroepen.",
        "record_appeal": "Ga in beroep tegen een zaak die meetelt met {command} en het nummer ervan.",
        "guidelines_header": "De richtlijnen van {community}:",
        "guidelines_only_in": "(alleen in {channels})",
        "guidelines_footer": "Wie ze overtreedt, kan een waarschuwing krijgen, gedempt of verbannen worden, en tegen elk besluit kun je in beroep gaan. Bekijk je eigen dossier met {command}.",
        "guidelines_none": "{community} heeft hier nog geen geldende richtlijnen; vraag het de moderators als je twijfelt.",
        "privacy": "Wat {community} via Steward over je bewaart: de zaken over jou (wat er gebeurde en waarom, met het bericht dat tot elke zaak leidde), je beroepen en meldingen, je privégesprekken met de moderators, berichten die aan een team zijn doorgegeven, je deelname aan discussies (reacties, emoji's, stemmen) en de taal van je app. {kept} {ask}",
        "privacy_kept_days": "De tekst van je berichten wordt na {days} dagen gewist, tenzij je tegen een zaak erover nog in beroep kunt gaan; de kale feiten van een zaak (wat er gedaan is, tot wanneer het meetelt) blijven in je dossier.",
        "privacy_kept": "De tekst van je berichten wordt bewaard tot die gewist wordt; de kale feiten van een zaak (wat er gedaan is, tot wanneer het meetelt) blijven in je dossier.",
        "privacy_ask": "Vraag de moderators om een kopie van wat er over je wordt bewaard, of om het te wissen.",
        "privacy_ask_at": "Vraag via {where} om een kopie van wat er over je wordt bewaard, of om het te wissen.",
        "privacy_message_log": "Moderators bewaren ook een kopie van je berichten die bewerkt of verwijderd worden (wat er eerst stond), in een kanaal van het team: die wordt niet met de rest gewist.",
    },
    "da": {
        "care": "Hej {member}, vi har læst din besked, og vi er kede af, at du står i det. Du er ikke alene: en fra {community}-teamet kontakter dig personligt. Hvis du er i fare lige nu, så ring til det lokale alarmnummer eller en krisetelefon.",
        "gated": "Som nyt medlem kan du skrive igen om {duration}, når en moderator har kigget på det.",
        "because_guideline": "Det bryder vores retningslinje: {guideline}.",
        "because_reason": "Begrundelse: {reason}.",
        "deleted": "Din besked i #{channel} blev fjernet.",
        "copies_deleted": "De tidligere kopier af den blev også fjernet.",
        "held": "Din besked i #{channel} er givet videre til moderatorerne, som vil fjerne den.",
        "held_public": "Denne besked er markeret og givet videre til moderatorerne (sag {case}).",
        "warned": "Dette er en advarsel.",
        "timed_out": "Du er sat på pause i {duration}.",
        "length_changed": "Varigheden af sanktionen i sag {case} er ændret.",
        "kicked": "Du blev fjernet fra {community}; du må gerne komme igen.",
        "banned": "Du er udelukket fra {community}{ban_length}.",
        "notice": "Hej {member}, en besked fra {community}-teamet: {what} {why} {expiry}{appeal}",
        "appeal": "Hvis du mener, vi har taget fejl, kan du klage med {command} {case}.",
        "appeal_at": "Hvis du mener, vi har taget fejl, kan du klage via {where} og nævne sag {case}.",
        "appeal_contact": "Hvis du mener, vi har taget fejl, så kontakt {community}-teamet og nævn sag {case}.",
        "expiry": "Det tæller i din historik indtil {expires}. ",
        "appeal_received": "Vi har modtaget din klage over sag {case}. En moderator, der ikke var involveret, ser på den.",
        "appeal_no_case": "Du har ingen sag {case} at klage over; nummeret står i den besked, du fik.",
        "appeal_waiting": "Din klage over sag {case} ligger allerede hos moderatorerne; du hører fra dem, når den er afgjort.",
        "appeal_in_review": "Moderatorerne ser allerede på sag {case}; du hører fra dem, når de har besluttet sig, og kan klage derefter.",
        "appeal_nothing": "Sag {case} tæller ikke imod dig, så der er intet at klage over.",
        "appeal_used": "Din klage over sag {case} er allerede afgjort ({outcome}); hver sag kan kun påklages én gang.",
        "report_received": "Tak: moderatorerne ser på den besked.",
        "report_not_found": "Jeg kan ikke finde besked {message} blandt de seneste beskeder i denne kanal.",
        "report_bot": "Den besked er botten egen: skriv til moderatorerne, hvis der er noget galt med den.",
        "report_acted": "Moderatorerne har set på den besked, du anmeldte i #{channel}, og har grebet ind. Tak, fordi du sagde det.",
        "report_kept": "Moderatorerne har set på den besked, du anmeldte i #{channel}, og fandt den inden for vores retningslinjer. Tak, fordi du sagde det.",
        "appeal_decided": "Din klage over sag {case} er afgjort: {outcome}. {note}",
        "record_empty": "Din historik i {community} er ren.",
        "record_header": "Din historik i {community}:",
        "record_case": "Sag {case} ({date}): {what}. {standing}",
        "record_counts": "Den tæller indtil {expires}.",
        "record_stands": "Den bliver stående i din historik.",
        "record_uncounted": "Den tæller ikke med til yderligere sanktioner.",
        "record_expired": "Den tæller ikke længere.",
        "record_appealed": "Din klage ligger hos moderatorerne.",
        "record_pardoned": "Den er blevet frafaldet.",
        "record_overturned": "Den er blevet omstødt efter klage.",
        "record_appeal": "Klag over en sag, der tæller, med {command} og dens nummer.",
        "guidelines_header": "Retningslinjerne i {community}:",
        "guidelines_only_in": "(kun i {channels})",
        "guidelines_footer": "Brud på dem kan give en advarsel, en pause eller udelukkelse, og du kan klage over hver afgørelse. Se din egen historik med {command}.",
        "guidelines_none": "{community} har endnu ingen gældende retningslinjer her; spørg moderatorerne, hvis du er i tvivl.",
        "privacy": "Hvad {community} gemmer om dig via Steward: sagerne om dig (hvad der skete og hvorfor, med den besked, der førte til hver), dine klager og anmeldelser, dine private samtaler med moderatorerne, beskeder sendt videre til et team, din deltagelse i diskussioner (svar, reaktioner, stemmer) og din apps sprog. {kept} {ask}",
        "privacy_kept_days": "Teksten i dine beskeder slettes efter {days} dage, medmindre der stadig kan klages over en sag om den; en sags nøgne fakta (hvad der blev gjort, og hvor længe den tæller) bliver i din historik.",
        "privacy_kept": "Teksten i dine beskeder gemmes, indtil den slettes; en sags nøgne fakta (hvad der blev gjort, og hvor længe den tæller) bliver i din historik.",
        "privacy_ask": "Spørg moderatorerne, hvis du vil have en kopi af det, der gemmes om dig, eller have det slettet.",
        "privacy_ask_at": "Spørg via {where}, hvis du vil have en kopi af det, der gemmes om dig, eller have det slettet.",
        "privacy_message_log": "Moderatorerne gemmer også en kopi af dine beskeder, der redigeres eller slettes (hvad der stod før), i en kanal for holdet: den slettes ikke sammen med resten.",
    },
    "pl": {
        "care": "Cześć {member}, przeczytaliśmy Twoją wiadomość i przykro nam, że przez to przechodzisz. Nie jesteś sam: ktoś z zespołu {community} skontaktuje się z Tobą osobiście. Jeśli jesteś teraz w niebezpieczeństwie, zadzwoń pod lokalny numer alarmowy lub na telefon zaufania.",
        "gated": "Jako nowy członek możesz znów pisać za {duration}, gdy moderator to sprawdzi.",
        "because_guideline": "To narusza naszą zasadę: {guideline}.",
        "because_reason": "Powód: {reason}.",
        "deleted": "Twoja wiadomość na #{channel} została usunięta.",
        "copies_deleted": "Jej wcześniejsze kopie również zostały usunięte.",
        "held": "Twoja wiadomość na #{channel} została przekazana moderatorom, którzy ją usuną.",
        "held_public": "Ta wiadomość została zgłoszona i przekazana moderatorom (sprawa {case}).",
        "warned": "To jest ostrzeżenie.",
        "timed_out": "Zostałeś wyciszony na {duration}.",
        "length_changed": "Zmieniono czas trwania kary w sprawie {case}.",
        "kicked": "Zostałeś usunięty z {community}; możesz dołączyć ponownie.",
        "banned": "Zostałeś zbanowany w {community}{ban_length}.",
        "notice": "Cześć {member}, wiadomość od zespołu {community}: {what} {why} {expiry}{appeal}",
        "appeal": "Jeśli uważasz, że to pomyłka, odwołaj się przez {command} {case}.",
        "appeal_at": "Jeśli uważasz, że to pomyłka, odwołaj się przez {where}, podając sprawę {case}.",
        "appeal_contact": "Jeśli uważasz, że to pomyłka, skontaktuj się z zespołem {community}, podając sprawę {case}.",
        "expiry": "Liczy się to w Twojej historii do {expires}. ",
        "appeal_received": "Otrzymaliśmy Twoje odwołanie od sprawy {case}. Zajmie się nim moderator, który nie brał w niej udziału.",
        "appeal_no_case": "Nie masz sprawy {case}, od której można się odwołać; jej numer znajdziesz w otrzymanym powiadomieniu.",
        "appeal_waiting": "Twoje odwołanie od sprawy {case} jest już u moderatorów; odezwą się, gdy zapadnie decyzja.",
        "appeal_in_review": "Moderatorzy już zajmują się sprawą {case}; odezwą się, gdy podejmą decyzję, a wtedy możesz się odwołać.",
        "appeal_nothing": "Sprawa {case} nie liczy się przeciwko Tobie, więc nie ma od czego się odwoływać.",
        "appeal_used": "Twoje odwołanie od sprawy {case} zostało już rozpatrzone ({outcome}); od każdej sprawy można odwołać się raz.",
        "report_received": "Dziękujemy: moderatorzy przyjrzą się tej wiadomości.",
        "report_not_found": "Nie mogę znaleźć wiadomości {message} wśród ostatnich wiadomości tego kanału.",
        "report_bot": "To wiadomość samego bota: napisz do moderatorów, jeśli coś jest z nią nie tak.",
        "report_acted": "Moderatorzy przejrzeli wiadomość zgłoszoną przez Ciebie w #{channel} i podjęli działania. Dziękujemy za zgłoszenie.",
        "report_kept": "Moderatorzy przejrzeli wiadomość zgłoszoną przez Ciebie w #{channel} i uznali, że mieści się w naszych zasadach. Dziękujemy za zgłoszenie.",
        "appeal_decided": "Twoje odwołanie od sprawy {case} zostało rozpatrzone: {outcome}. {note}",
        "record_empty": "Twoja historia w {community} jest czysta.",
        "record_header": "Twoja historia w {community}:",
        "record_case": "Sprawa {case} ({date}): {what}. {standing}",
        "record_counts": "Liczy się do {expires}.",
        "record_stands": "Pozostaje w Twojej historii.",
        "record_uncounted": "Nie liczy się do dalszych kar.",
        "record_expired": "Już się nie liczy.",
        "record_appealed": "Twoje odwołanie jest u moderatorów.",
        "record_pardoned": "Została umorzona.",
        "record_overturned": "Została uchylona po odwołaniu.",
        "record_appeal": "Aby odwołać się od sprawy, która się liczy, użyj {command} z jej numerem.",
        "guidelines_header": "Zasady społeczności {community}:",
        "guidelines_only_in": "(tylko w {channels})",
        "guidelines_footer": "Ich łamanie może skończyć się ostrzeżeniem, wyciszeniem lub banem, a od każdej decyzji można się odwołać. Swoją historię zobaczysz komendą {command}.",
        "guidelines_none": "{community} nie ma tu jeszcze obowiązujących zasad; w razie wątpliwości zapytaj moderatorów.",
        "privacy": "Co {community} przechowuje o Tobie przez Stewarda: sprawy, które Cię dotyczą (co się stało i dlaczego, z wiadomością, od której zaczęła się każda z nich), Twoje odwołania i zgłoszenia, Twoje prywatne rozmowy z moderatorami, wiadomości przekazane zespołowi, Twój udział w dyskusjach (odpowiedzi, reakcje, głosy) oraz język Twojej aplikacji. {kept} {ask}",
        "privacy_kept_days": "Treść Twoich wiadomości jest usuwana po {days} dniach, chyba że od sprawy, której dotyczy, wciąż można się odwołać; same fakty sprawy (co zrobiono i do kiedy się liczy) zostają w Twojej historii.",
        "privacy_kept": "Treść Twoich wiadomości jest przechowywana, dopóki nie zostanie usunięta; same fakty sprawy (co zrobiono i do kiedy się liczy) zostają w Twojej historii.",
        "privacy_ask": "Aby otrzymać kopię tego, co jest o Tobie przechowywane, albo to usunąć, zwróć się do moderatorów.",
        "privacy_ask_at": "Aby otrzymać kopię tego, co jest o Tobie przechowywane, albo to usunąć, zwróć się przez {where}.",
        "privacy_message_log": "Moderatorzy przechowują też kopię Twoich wiadomości, które zostały edytowane lub usunięte (ich wcześniejszą treść), na kanale zespołu: nie jest ona usuwana razem z resztą.",
    },
    "ja": {
        "care": "{member} さん、メッセージを読みました。つらい思いをされていることをお察しします。あなたは一人ではありません。{community} チームのメンバーが個別にご連絡します。今すぐ危険な状態にある場合は、地域の緊急通報番号や相談窓口に連絡してください。",
        "gated": "新しいメンバーの方は、モデレーターの確認後、{duration} 後に再び投稿できます。",
        "because_guideline": "これはガイドライン「{guideline}」に反します。",
        "because_reason": "理由：{reason}。",
        "deleted": "#{channel} のあなたのメッセージは削除されました。",
        "copies_deleted": "同じ内容の以前のメッセージも削除されました。",
        "held": "#{channel} のあなたのメッセージはモデレーターに引き継がれ、削除される予定です。",
        "held_public": "このメッセージは報告され、モデレーターに引き継がれました（ケース {case}）。",
        "warned": "これは警告です。",
        "timed_out": "{duration} の間、発言が制限されます。",
        "length_changed": "ケース {case} の措置の期間が変更されました。",
        "kicked": "{community} から退出させられました。再参加は可能です。",
        "banned": "{community} から追放されました{ban_length}。",
        "notice": "{member} さん、{community} チームからのお知らせです：{what} {why}"
        "{expiry}{appeal}",
        "appeal": "誤りだと思われる場合は {command} {case} で異議を申し立ててください。",
        "appeal_at": "誤りだと思われる場合は、ケース {case} を添えて {where} から異議を申し立ててください。",
        "appeal_contact": "誤りだと思われる場合は、ケース {case} を添えて {community} チームにご連絡ください。",
        "expiry": "{expires} まで記録に残ります。",
        "appeal_received": "ケース {case} への異議を受け付けました。関与していないモデレーターが確認します。",
        "appeal_no_case": "異議を申し立てられるケース {case} はありません。番号は受け取った通知に記載されています。",
        "appeal_waiting": "ケース {case} への異議はすでにモデレーターが確認しています。決定したらお知らせします。",
        "appeal_in_review": "ケース {case} はすでにモデレーターが確認しています。決定したらお知らせしますので、その後に異議を申し立てられます。",
        "appeal_nothing": "ケース {case} はあなたの記録に数えられていないため、異議を申し立てる必要はありません。",
        "appeal_used": "ケース {case} への異議はすでに決定済みです（{outcome}）。異議申し立ては各ケースにつき1回です。",
        "report_received": "ご報告ありがとうございます。モデレーターがそのメッセージを確認します。",
        "report_not_found": "このチャンネルの最近のメッセージに {message} が見つかりません。",
        "report_bot": "そのメッセージはボット自身のものです。問題があればモデレーターに連絡してください。",
        "report_acted": "#{channel} で報告されたメッセージをモデレーターが確認し、対応しました。報告ありがとうございます。",
        "report_kept": "#{channel} で報告されたメッセージをモデレーターが確認し、ガイドラインの範囲内と判断しました。報告ありがとうございます。",
        "appeal_decided": "ケース {case} への異議の結果：{outcome}。{note}",
        "record_empty": "{community} でのあなたの記録はありません。",
        "record_header": "{community} でのあなたの記録：",
        "record_case": "ケース {case}（{date}）：{what}。{standing}",
        "record_counts": "{expires} まで有効です。",
        "record_stands": "記録に残ります。",
        "record_uncounted": "今後の処分には数えられません。",
        "record_expired": "すでに無効です。",
        "record_appealed": "異議はモデレーターが確認中です。",
        "record_pardoned": "免除されました。",
        "record_overturned": "異議により取り消されました。",
        "record_appeal": "有効なケースに異議を申し立てるには、{command} とケース番号を使ってください。",
        "guidelines_header": "{community} のガイドライン：",
        "guidelines_only_in": "（{channels} のみ）",
        "guidelines_footer": "違反すると、警告、発言制限、または追放の対象になります。どの処分にも異議を申し立てられます。自分の記録は {command} で確認できます。",
        "guidelines_none": "{community} には、ここで適用中のガイドラインはまだありません。不明な点はモデレーターに聞いてください。",
        "privacy": "{community} が Steward を通じて保存するあなたの情報：あなたに関するケース（何が起きたか、その理由、きっかけとなったメッセージ）、あなたの異議申し立てと報告、モデレーターとの非公開の会話、担当チームに転送されたメッセージ、ディスカッションへの参加（返信、リアクション、投票）、アプリの言語。{kept}{ask}",
        "privacy_kept_days": "メッセージの本文は {days} 日後に削除されます（そのメッセージに関するケースにまだ異議を申し立てられる場合を除く）。ケースの事実（何が行われたか、いつまで有効か）は記録に残ります。",
        "privacy_kept": "メッセージの本文は削除されるまで保存されます。ケースの事実（何が行われたか、いつまで有効か）は記録に残ります。",
        "privacy_ask": "保存されている情報の写しが欲しい場合や削除を希望する場合は、モデレーターに連絡してください。",
        "privacy_ask_at": "保存されている情報の写しが欲しい場合や削除を希望する場合は、{where} から連絡してください。",
        "privacy_message_log": "編集または削除されたメッセージ（変更前の内容）の写しも、モデレーター用チャンネルに保存されます。これはほかの情報と一緒には削除されません。",
    },
}


# How an appeal ended, as the member reads it in appeal_decided and appeal_used.
_APPEAL_OUTCOMES: Mapping[str, Mapping[AppealStatus, str]] = {
    "en": {
        AppealStatus.UPHELD: "the decision stands",
        AppealStatus.REDUCED: "the sanction is reduced",
        AppealStatus.OVERTURNED: "the decision is overturned",
        AppealStatus.PARDONED: "the case is pardoned",
    },
    "fr": {
        AppealStatus.UPHELD: "la décision est maintenue",
        AppealStatus.REDUCED: "la sanction est réduite",
        AppealStatus.OVERTURNED: "la décision est annulée",
        AppealStatus.PARDONED: "le cas est pardonné",
    },
    "nl": {
        AppealStatus.UPHELD: "het besluit blijft staan",
        AppealStatus.REDUCED: "de sanctie is verlaagd",
        AppealStatus.OVERTURNED: "het besluit is teruggedraaid",
        AppealStatus.PARDONED: "de zaak is kwijtgescholden",
    },
    "da": {
        AppealStatus.UPHELD: "afgørelsen står fast",
        AppealStatus.REDUCED: "sanktionen er nedsat",
        AppealStatus.OVERTURNED: "afgørelsen er omstødt",
        AppealStatus.PARDONED: "sagen er eftergivet",
    },
    "pl": {
        AppealStatus.UPHELD: "decyzja została utrzymana",
        AppealStatus.REDUCED: "kara została złagodzona",
        AppealStatus.OVERTURNED: "decyzja została uchylona",
        AppealStatus.PARDONED: "sprawa została umorzona",
    },
    "ja": {
        AppealStatus.UPHELD: "決定は維持されます",
        AppealStatus.REDUCED: "処分は軽減されました",
        AppealStatus.OVERTURNED: "決定は取り消されました",
        AppealStatus.PARDONED: "ケースは免除されました",
    },
}

_SANCTION = frozenset(
    {"member", "community", "channel", "guideline", "reason", "case", "duration", "ban_length"}
)
PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "care": frozenset({"member", "community"}),
    **dict.fromkeys(
        (
            "gated",
            "because_guideline",
            "because_reason",
            "deleted",
            "copies_deleted",
            "held",
            "warned",
            "timed_out",
            "kicked",
            "banned",
            "length_changed",
        ),
        _SANCTION,
    ),
    "expiry": _SANCTION | {"expires"},
    "notice": _SANCTION | {"what", "why", "expiry", "appeal"},
    "appeal": frozenset({"command", "case"}),
    "appeal_at": frozenset({"where", "case"}),
    "appeal_contact": frozenset({"community", "case"}),
    "held_public": frozenset({"case"}),
    "appeal_received": frozenset({"case"}),
    **dict.fromkeys(
        ("appeal_no_case", "appeal_waiting", "appeal_in_review", "appeal_nothing"),
        frozenset({"case"}),
    ),
    "appeal_used": frozenset({"case", "outcome"}),
    "report_received": frozenset(),
    "report_not_found": frozenset({"message"}),
    "report_bot": frozenset(),
    "report_acted": frozenset({"channel"}),
    "report_kept": frozenset({"channel"}),
    "appeal_decided": frozenset({"case", "outcome", "note"}),
    "record_empty": frozenset({"community"}),
    "record_header": frozenset({"community"}),
    "record_case": frozenset({"case", "date", "what", "standing"}),
    "record_counts": frozenset({"expires"}),
    **dict.fromkeys(
        (
            "record_stands",
            "record_uncounted",
            "record_expired",
            "record_appealed",
            "record_pardoned",
            "record_overturned",
        ),
        frozenset(),
    ),
    "record_appeal": frozenset({"command"}),
    "guidelines_header": frozenset({"community"}),
    "guidelines_only_in": frozenset({"channels"}),
    "guidelines_footer": frozenset({"command"}),
    "guidelines_none": frozenset({"community"}),
    "privacy": frozenset({"community", "kept", "ask"}),
    "privacy_kept_days": frozenset({"days"}),
    "privacy_kept": frozenset(),
    "privacy_ask": frozenset(),
    "privacy_ask_at": frozenset({"where"}),
    "privacy_message_log": frozenset(),
}
"""Each notice a community may word, and the placeholders its values fill."""


def wording_problems(templates: Mapping[str, str]) -> list[str]:
    """Return what is wrong with a community's notice templates in one language, by name.

    A name that is no notice would never be used, and an unknown placeholder would reach
    members as written: both are refused when the configuration loads.
    """
    problems: list[str] = []
    for name, template in templates.items():
        if name not in PLACEHOLDERS:
            known = ", ".join(sorted(PLACEHOLDERS))
            problems.append(f"{name}: no such notice (notices: {known})")
            continue
        problem = template_problem(template, PLACEHOLDERS[name])
        if problem is not None:
            problems.append(f"{name}: {problem}")
    return problems


@dataclass(frozen=True, slots=True)
class Notices:
    """Render member notices from default templates and a community's overrides.

    Args:
        overrides: Templates from the community's config, by language then name.
        default_language: The community's language, used when a member's is unknown.
    """

    overrides: Templates = field(default_factory=dict)
    default_language: str = "en"

    def _spoken(self, name: str, lang: str | None) -> tuple[str, str | None]:
        """Return the template ``name`` for the member, overrides first, and its language."""
        by_language: dict[str, str] = {}
        for source in (DEFAULT_TEMPLATES, self.overrides):
            for code, templates in source.items():
                if name in templates:
                    by_language[code] = templates[name]
        language = picked_language(by_language, lang, self.default_language)
        return (by_language[language] if language is not None else ""), language

    def spoken_language(self, name: str, lang: str | None) -> str | None:
        """Return the language the template ``name`` speaks to a member of language ``lang``.

        What goes beside a notice's words (a guideline read out) must be in that language,
        which is the member's only where the community has the template in it.
        """
        return self._spoken(name, lang)[1]

    def render(self, name: str, lang: str | None, values: Mapping[str, Any]) -> str:
        """Render one template for a member.

        A duration among the values (a :class:`~datetime.timedelta`) is said in words in
        the template's language, ``ban_length`` in brackets after the community's name; an
        appeal's outcome (an :class:`AppealStatus`) too, and a text given by language (a
        guideline) in that language where it has it.
        """
        template, language = self._spoken(name, lang)
        said = dict(values)
        for key, value in values.items():
            if isinstance(value, Mapping):
                said[key] = pick_language(value, language, self.default_language)
            elif isinstance(value, timedelta):
                words = spoken_duration(value, language)
                said[key] = f" ({words})" if key == "ban_length" else words
            elif isinstance(value, AppealStatus):
                outcomes = _APPEAL_OUTCOMES.get(primary_subtag(language), _APPEAL_OUTCOMES["en"])
                said[key] = outcomes.get(value, value.value)
        return render(template, said)

    def sanction(
        self,
        lang: str | None,
        *,
        parts: list[str],
        values: Mapping[str, Any],
        expires: datetime | None,
        appeal_command: str = "/appeal",
        ban_appeals: str = "",
    ) -> str:
        """Compose the notice for a sanction: what happened, which guideline, expiry, appeal.

        A banned member cannot run a command in the community that banned them: their
        notice says where to appeal instead (``ban_appeals``), or to contact the team.

        Args:
            lang: The member's language.
            parts: Template names of what happened (``deleted``, ``timed_out`` ...).
            values: Placeholder values (member, community, channel, guideline, case ...).
            expires: When the infraction stops counting, if it counts.
            appeal_command: What the member types to appeal on this platform.
            ban_appeals: Where a banned member appeals (a link, an address); empty: the
                notice asks them to contact the team.
        """
        what = " ".join(self.render(part, lang, values) for part in parts)
        because = "because_guideline" if values.get("guideline") else "because_reason"
        why = self.render(because, lang, values)
        expiry = (
            self.render("expiry", lang, {**values, "expires": expires.strftime("%Y-%m-%d")})
            if expires
            else ""
        )
        if "banned" not in parts:
            appeal = self.render("appeal", lang, {**values, "command": appeal_command})
        elif ban_appeals:
            appeal = self.render("appeal_at", lang, {**values, "where": ban_appeals})
        else:
            appeal = self.render("appeal_contact", lang, values)
        said = {**values, "what": what, "why": why, "expiry": expiry, "appeal": appeal}
        return self.render("notice", lang, said)
