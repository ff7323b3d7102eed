"""Every string the visualizer shows, in English and Bahasa Indonesia.

One flat dict per language keeps translation reviewable in one place; `t` falls back to English
so a missing Indonesian string shows English rather than a key.  Tests check that both languages
have the same keys and the same ``{placeholders}``.
"""

from __future__ import annotations

LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia"}

EN: dict[str, str] = {
    # --- app bar and layout
    "title": "Kemitraan: partnerships and community welfare",
    "language": "Language",
    "tab_town": "Town",
    "tab_trends": "Trends",
    "tab_learn": "How it works",
    # --- controls
    "controls": "Controls",
    "step": "Step",
    "play": "Play",
    "pause": "Pause",
    "reset": "Reset",
    "month": "Month {step}",
    "scenario": "Scenario",
    "seed": "Random seed",
    "seed_hint": "A whole number; the same seed gives the same run.",
    "seed_bad": 'The seed must be a whole number from 0 to {max}; "{value}" is not. '
    "The model keeps its last good seed.",
    "parameters": "Levers",
    "pending": "Changed levers apply when you press Reset.",
    "apply_reset": "Apply and reset",
    "shocks": "Shocks now",
    "shock_funding": "Funding cut",
    "shock_leadership": "Leadership change",
    "shock_hint": "Hit the town now to show how well it recovers (resilience, Z1).",
    "error": "Something went wrong: {message}",
    "scenario_error": "Could not load this scenario: {message}",
    "param_error": "These lever values do not fit together: {message}",
    "render_time": "Drawn in {ms} ms",
    # --- sliders (ModelParams fields)
    "p_trust_gain": "Trust building (trust gained per good experience, C2)",
    "p_trust_loss": "Trust lost per bad experience (C2)",
    "p_defection_rate": "Betrayal rate (chance a partner breaks a promise, C2)",
    "p_funding_volatility": "Funding volatility (C4)",
    "p_cultural_distance": "Cultural distance between sectors (C3)",
    "p_goal_divergence": "Goal distance between organizations (C1)",
    "p_participation": "Citizen participation (B5)",
    "p_governance_mode": "Governance mode (C6)",
    "p_formal_share": "Share of partnerships that are formal (D1 vs D2)",
    "p_partnering_rate": "Partnering rate (0 = a town without partnerships)",
    # --- governance modes
    "gov_shared": "Shared by the members",
    "gov_lead": "Lead organization",
    "gov_nao": "Network administrative organization",
    "gov_adaptive": "Adaptive (best fit for each partnership)",
    # --- sectors, domains, kinds
    "sector_ngo": "NGO",
    "sector_business": "Business",
    "sector_government": "Government",
    "sector_education": "Education",
    "sector_community": "Community org.",
    "domain_health": "Health",
    "domain_education": "Education",
    "domain_housing": "Housing",
    "domain_livelihood": "Livelihood",
    "kind_K1": "K1 NGO-business",
    "kind_K2": "K2 government-community",
    "kind_K3": "K3 education-industry",
    "kind_K4": "K4 public-private",
    "kind_K5": "K5 inter-organizational",
    "kind_K6": "K6 community",
    "kind_K7": "K7 volunteers",
    "formal": "formal partnership (D1)",
    "informal": "informal cooperation (D2)",
    # --- key figures
    "kpi_month": "Month",
    "kpi_welfare": "Community welfare",
    "kpi_gini": "Inequality (Gini)",
    "kpi_trust": "Mean trust",
    "kpi_partnerships": "Partnerships",
    "kpi_partnerships_detail": "{formal} formal, {informal} informal",
    "kpi_left_behind": "Left behind",
    "kpi_left_behind_detail": "citizens below {line} welfare",
    # --- network view
    "network_title": "Who works with whom (month {step})",
    "network_caption": "Circles are organizations, coloured by sector and sized by their reserves. "
    "Lines are partnerships: solid = formal, dashed = informal; green = high trust, "
    "red = low trust. A purple ring marks a volunteer group (K7).",
    "legend_trust": "Trust between partners",
    "legend_volunteers": "volunteer group (K7)",
    "network_empty": "No partnerships yet: press Step or Play.",
    # --- community view
    "community_title": "Citizens' welfare (month {step})",
    "community_caption": "Each bar counts citizens by welfare (0 = worst, 1 = best). Red bars are "
    "the people left behind, below {line}. On the right, each welfare domain: the box holds the "
    "middle half of citizens, the whiskers reach the poorest and richest 5%.",
    "hist_xlabel": "Welfare of a citizen (geometric mean of the four domains)",
    "hist_ylabel": "Citizens",
    "hist_left_behind": "left behind: {share}%",
    "hist_mean": "mean {value}",
    "domains_xlabel": "Welfare in the domain",
    "participants": "take part (B5)",
    "non_participants": "do not take part",
    # --- time series
    "trends_title": "How the town changes",
    "trends_caption": "Dotted vertical lines mark shocks (funding cuts, leadership changes).",
    "ts_welfare": "Community welfare and its domains",
    "ts_gini": "Inequality (Gini of welfare)",
    "ts_trust": "Trust",
    "ts_trust_all": "all pairs of organizations",
    "ts_trust_partners": "between partners",
    "ts_partnerships": "Active partnerships by kind",
    "ts_total_formal": "formal",
    "ts_total_informal": "informal",
    "ts_xlabel": "Month",
    "ts_community": "community",
    # --- narrative
    "narrative_title": "What just happened",
    "narrative_empty": "Nothing yet. Press Step to advance one month.",
    "narrative_quiet": "Month {step}: a quiet month, no partnership started or ended.",
    "ev_formed_formal": "Month {step}: {members} signed a formal {kind} partnership.",
    "ev_formed_informal": "Month {step}: {members} started informal {kind} cooperation.",
    "ev_formed_volunteers": "Month {step}: {members} started a volunteer group (K7).",
    "ev_joined": "Month {step}: {members} joined a {kind} partnership.",
    "ev_left": "Month {step}: {members} left a {kind} partnership ({reason}).",
    "ev_dissolved": "Month {step}: a {kind} partnership of {members} broke up ({reason}).",
    "ev_dissolved_alone": "Month {step}: a {kind} partnership ended ({reason}).",
    "ev_renewed": "Month {step}: a {kind} partnership renewed its agreement.",
    "ev_funding_cut": "Month {step}: a funding cut hit {sectors}: {percent}% of income lost "
    "for {months} months.",
    "ev_leadership_shock": "Month {step}: new leaders took over at {orgs}; trust in them "
    "partly resets.",
    "ev_leadership_turnover": "Month {step}: {orgs} got a new leader; partners must rebuild trust.",
    "ev_other": "Month {step}: {kind}.",
    "and": "and",
    "all_sectors": "all sectors",
    "reason_distrust": "too little trust",
    "reason_poor value": "not worth it",
    "reason_term ended": "the agreement ran out",
    "reason_too few members": "too few members left",
    "reason_volunteers left": "the volunteers left",
    "welfare_change": "Community welfare {value} ({delta} since last month).",
    # --- explanations of the mechanisms, tied to the seed concepts
    "learn_intro": "The model follows two Indonesian articles on partnership (kemitraan) and "
    "cooperation (kerjasama) in social welfare. Codes in brackets are the seed concepts they "
    "claim; each has a mechanism, a lever and a test in the model.",
    "mech_actors_title": "Who is in the town (A1-A6)",
    "mech_actors": "Organizations of five sectors serve the citizens: NGOs (A1), businesses (A2), "
    "government agencies (A3), schools and training centres (A5) and community organizations "
    "such as faith groups (A6). Citizens (A4) have a welfare level in health, education, housing "
    "and livelihood; their overall welfare is the geometric mean of the four, so doing badly in "
    "one domain cannot be made up by another. Every month organizations receive income and "
    "spend part of it on services, alone or through partnerships.",
    "mech_forming_title": "How partnerships form: formal or informal (D1, D2, K1-K7, C1, C3)",
    "mech_forming": "Each month an organization may look for a partner. It prefers partners "
    "with complementary expertise, money, trust, similar goals and a familiar culture. A deal "
    "needs enough trust on both sides, and the more the goals differ (C1), the more often talks "
    "fail. The sectors decide the kind: NGO-business (K1), government-community (K2), "
    "education-industry (K3), public-private (K4), between non-profits (K5), with community "
    "groups (K6); citizens can also volunteer (K7). A formal partnership (D1) pools a fixed "
    "budget, pays for governance and runs for a fixed term with an exit fee; informal "
    "cooperation (D2) is cheap and easy to leave, members give what their trust allows, and it "
    "gets a smaller share of the benefits.",
    "mech_trust_title": "How trust grows and collapses (C2, C3, C5)",
    "mech_trust": "Partners watch whether each keeps its promise. A kept promise raises trust a "
    "little (trust building); a broken one lowers it a lot (trust lost), because trust is "
    "quicker to lose than to win. Some partners break promises (betrayal rate); cultural "
    "distance makes good conduct look bad (C3), and NGOs and community groups competing for "
    "the same grants resent each other (C5). When a member's trust in the others drops below "
    "a threshold it leaves, and a partnership with too few members breaks up.",
    "mech_benefits_title": "What partnerships give (B1-B3, B6, B7)",
    "mech_benefits": "Pooled money, networks and expertise reach more people (B1). Partners from "
    "different sectors find better solutions together (synergy, B2). A shared case register "
    "stops two providers serving the same person twice (B3). Combined expertise raises service "
    "quality (B6). Monitoring cuts shirking and leakage, and government-community partnerships "
    "make agencies more accountable and better at reaching real needs (B7).",
    "mech_community_title": "Citizens, ties and participation (A4, B4, B5, K7)",
    "mech_community": "Citizens hear about services from neighbours and friends; partnerships "
    "strengthen the ties between organizations and speed up the news (B4). Citizens who take "
    "part in decisions and delivery gain more from the same service (ownership, B5), and some "
    "of them volunteer (K7).",
    "mech_funding_title": "Funding and competition (C4, C5)",
    "mech_funding": "Income swings from month to month (funding volatility), and NGOs and "
    "community organizations are hit hardest (C4). Part of the money is a grant pool they must "
    "compete for, which burns effort and strains their relations (C5). The Funding cut button "
    "removes half of every sector's income for a year.",
    "mech_governance_title": "Governance and leadership (C6, C7)",
    "mech_governance": "A partnership is run in one of three ways (Provan and Kenis): shared by "
    "the members (best for few members who trust each other), by a lead organization, or by a "
    "network administrative organization (for many members, at extra cost). Adaptive picks the "
    "best fit. Leaders change over time (C7): a new leader brings new priorities and partners "
    "lose part of the trust they had built. The Leadership change button replaces the leaders "
    "of a third of all organizations at once.",
    "mech_welfare_title": "Welfare and resilience (Z1-Z3)",
    "mech_welfare": "Without services, welfare erodes each month as needs arise; each service "
    "closes part of the gap, more for those in greatest need when targeting is good. The "
    "articles claim that partnerships raise welfare and make the community more resilient "
    "(Z1), that the gain depends on how well the challenges are handled (Z2), and that "
    "services reach further and are better (Z3). Try it: set the partnering rate to 0, apply "
    "a shock, and compare the welfare curve with a town that has partnerships.",
}

ID: dict[str, str] = {
    # --- app bar and layout
    "title": "Kemitraan: kemitraan dan kesejahteraan masyarakat",
    "language": "Bahasa",
    "tab_town": "Kota",
    "tab_trends": "Tren",
    "tab_learn": "Cara kerja",
    # --- controls
    "controls": "Kendali",
    "step": "Langkah",
    "play": "Jalankan",
    "pause": "Jeda",
    "reset": "Ulang",
    "month": "Bulan {step}",
    "scenario": "Skenario",
    "seed": "Benih acak (seed)",
    "seed_hint": "Bilangan bulat; benih yang sama menghasilkan jalannya simulasi yang sama.",
    "seed_bad": 'Benih harus bilangan bulat dari 0 sampai {max}; "{value}" tidak memenuhi. '
    "Model tetap memakai benih terakhir yang benar.",
    "parameters": "Pengungkit",
    "pending": "Perubahan pengungkit berlaku setelah Anda menekan Ulang.",
    "apply_reset": "Terapkan dan ulang",
    "shocks": "Guncangan sekarang",
    "shock_funding": "Pemotongan dana",
    "shock_leadership": "Pergantian pimpinan",
    "shock_hint": "Guncang kota sekarang untuk menunjukkan seberapa cepat ia pulih "
    "(ketahanan, Z1).",
    "error": "Terjadi kesalahan: {message}",
    "scenario_error": "Skenario ini tidak dapat dimuat: {message}",
    "param_error": "Nilai pengungkit ini tidak cocok satu sama lain: {message}",
    "render_time": "Digambar dalam {ms} md",
    # --- sliders (ModelParams fields)
    "p_trust_gain": "Pembangunan kepercayaan (kenaikan per pengalaman baik, C2)",
    "p_trust_loss": "Kepercayaan yang hilang per pengalaman buruk (C2)",
    "p_defection_rate": "Tingkat pengkhianatan (peluang mitra ingkar janji, C2)",
    "p_funding_volatility": "Ketidakstabilan pendanaan (C4)",
    "p_cultural_distance": "Jarak budaya antarsektor (C3)",
    "p_goal_divergence": "Perbedaan tujuan antarorganisasi (C1)",
    "p_participation": "Partisipasi warga (B5)",
    "p_governance_mode": "Model tata kelola (C6)",
    "p_formal_share": "Porsi kemitraan yang formal (D1 dibanding D2)",
    "p_partnering_rate": "Laju bermitra (0 = kota tanpa kemitraan)",
    # --- governance modes
    "gov_shared": "Dikelola bersama oleh anggota",
    "gov_lead": "Organisasi pemimpin",
    "gov_nao": "Lembaga administrasi jaringan",
    "gov_adaptive": "Adaptif (paling cocok untuk tiap kemitraan)",
    # --- sectors, domains, kinds
    "sector_ngo": "LSM",
    "sector_business": "Dunia usaha",
    "sector_government": "Pemerintah",
    "sector_education": "Pendidikan",
    "sector_community": "Organisasi komunitas",
    "domain_health": "Kesehatan",
    "domain_education": "Pendidikan",
    "domain_housing": "Perumahan",
    "domain_livelihood": "Mata pencaharian",
    "kind_K1": "K1 LSM-dunia usaha",
    "kind_K2": "K2 pemerintah-komunitas",
    "kind_K3": "K3 pendidikan-industri",
    "kind_K4": "K4 publik-swasta",
    "kind_K5": "K5 antarorganisasi",
    "kind_K6": "K6 komunitas",
    "kind_K7": "K7 relawan",
    "formal": "kemitraan formal (D1)",
    "informal": "kerja sama informal (D2)",
    # --- key figures
    "kpi_month": "Bulan",
    "kpi_welfare": "Kesejahteraan masyarakat",
    "kpi_gini": "Ketimpangan (Gini)",
    "kpi_trust": "Rata-rata kepercayaan",
    "kpi_partnerships": "Kemitraan",
    "kpi_partnerships_detail": "{formal} formal, {informal} informal",
    "kpi_left_behind": "Tertinggal",
    "kpi_left_behind_detail": "warga dengan kesejahteraan di bawah {line}",
    # --- network view
    "network_title": "Siapa bekerja sama dengan siapa (bulan {step})",
    "network_caption": "Lingkaran adalah organisasi, diwarnai menurut sektor dan diukur menurut "
    "cadangan dananya. Garis adalah kemitraan: utuh = formal, putus-putus = informal; hijau = "
    "kepercayaan tinggi, merah = kepercayaan rendah. Cincin ungu menandai kelompok relawan (K7).",
    "legend_trust": "Kepercayaan antarmitra",
    "legend_volunteers": "kelompok relawan (K7)",
    "network_empty": "Belum ada kemitraan: tekan Langkah atau Jalankan.",
    # --- community view
    "community_title": "Kesejahteraan warga (bulan {step})",
    "community_caption": "Setiap batang menghitung warga menurut kesejahteraannya (0 = terburuk, "
    "1 = terbaik). Batang merah adalah warga yang tertinggal, di bawah {line}. Di kanan, setiap "
    "bidang kesejahteraan: kotak memuat separuh warga di tengah, garis menjangkau 5% termiskin "
    "dan 5% terkaya.",
    "hist_xlabel": "Kesejahteraan seorang warga (rata-rata geometrik empat bidang)",
    "hist_ylabel": "Warga",
    "hist_left_behind": "tertinggal: {share}%",
    "hist_mean": "rata-rata {value}",
    "domains_xlabel": "Kesejahteraan di bidang ini",
    "participants": "ikut serta (B5)",
    "non_participants": "tidak ikut serta",
    # --- time series
    "trends_title": "Bagaimana kota berubah",
    "trends_caption": "Garis tegak bertitik menandai guncangan (pemotongan dana, pergantian "
    "pimpinan).",
    "ts_welfare": "Kesejahteraan masyarakat dan bidang-bidangnya",
    "ts_gini": "Ketimpangan (Gini kesejahteraan)",
    "ts_trust": "Kepercayaan",
    "ts_trust_all": "semua pasangan organisasi",
    "ts_trust_partners": "antarmitra",
    "ts_partnerships": "Kemitraan aktif menurut jenis",
    "ts_total_formal": "formal",
    "ts_total_informal": "informal",
    "ts_xlabel": "Bulan",
    "ts_community": "masyarakat",
    # --- narrative
    "narrative_title": "Apa yang baru saja terjadi",
    "narrative_empty": "Belum ada apa-apa. Tekan Langkah untuk maju satu bulan.",
    "narrative_quiet": "Bulan {step}: bulan yang tenang, tidak ada kemitraan yang dimulai atau "
    "berakhir.",
    "ev_formed_formal": "Bulan {step}: {members} menandatangani kemitraan formal {kind}.",
    "ev_formed_informal": "Bulan {step}: {members} memulai kerja sama informal {kind}.",
    "ev_formed_volunteers": "Bulan {step}: {members} membentuk kelompok relawan (K7).",
    "ev_joined": "Bulan {step}: {members} bergabung dengan kemitraan {kind}.",
    "ev_left": "Bulan {step}: {members} keluar dari kemitraan {kind} ({reason}).",
    "ev_dissolved": "Bulan {step}: kemitraan {kind} antara {members} bubar ({reason}).",
    "ev_dissolved_alone": "Bulan {step}: sebuah kemitraan {kind} berakhir ({reason}).",
    "ev_renewed": "Bulan {step}: sebuah kemitraan {kind} memperpanjang perjanjiannya.",
    "ev_funding_cut": "Bulan {step}: pemotongan dana menimpa {sectors}: {percent}% pendapatan "
    "hilang selama {months} bulan.",
    "ev_leadership_shock": "Bulan {step}: pimpinan baru mengambil alih di {orgs}; kepercayaan "
    "kepada mereka sebagian hilang.",
    "ev_leadership_turnover": "Bulan {step}: {orgs} berganti pimpinan; para mitra harus "
    "membangun kembali kepercayaan.",
    "ev_other": "Bulan {step}: {kind}.",
    "and": "dan",
    "all_sectors": "semua sektor",
    "reason_distrust": "kepercayaan terlalu rendah",
    "reason_poor value": "tidak sepadan",
    "reason_term ended": "masa perjanjian habis",
    "reason_too few members": "anggotanya tinggal terlalu sedikit",
    "reason_volunteers left": "para relawan pergi",
    "welfare_change": "Kesejahteraan masyarakat {value} ({delta} dibanding bulan lalu).",
    # --- explanations of the mechanisms, tied to the seed concepts
    "learn_intro": "Model ini mengikuti dua artikel berbahasa Indonesia tentang kemitraan dan "
    "kerja sama dalam pelayanan kesejahteraan sosial. Kode dalam kurung adalah konsep dasar "
    "yang mereka ajukan; masing-masing punya mekanisme, pengungkit, dan uji di dalam model.",
    "mech_actors_title": "Siapa saja di kota ini (A1-A6)",
    "mech_actors": "Organisasi dari lima sektor melayani warga: LSM (A1), dunia usaha (A2), "
    "instansi pemerintah (A3), sekolah dan lembaga pelatihan (A5), serta organisasi berbasis "
    "komunitas seperti kelompok keagamaan (A6). Warga (A4) memiliki tingkat kesejahteraan di "
    "bidang kesehatan, pendidikan, perumahan, dan mata pencaharian; kesejahteraan totalnya "
    "adalah rata-rata geometrik keempatnya, sehingga kekurangan di satu bidang tidak dapat "
    "ditutup oleh bidang lain. Setiap bulan organisasi menerima pendapatan dan membelanjakan "
    "sebagian untuk layanan, sendiri atau melalui kemitraan.",
    "mech_forming_title": "Bagaimana kemitraan terbentuk: formal atau informal "
    "(D1, D2, K1-K7, C1, C3)",
    "mech_forming": "Setiap bulan sebuah organisasi dapat mencari mitra. Ia lebih memilih mitra "
    "yang keahliannya melengkapi, punya dana, dipercaya, bertujuan serupa, dan berbudaya "
    "kerja yang akrab. Kesepakatan butuh kepercayaan yang cukup dari kedua pihak, dan semakin "
    "berbeda tujuannya (C1), semakin sering perundingan gagal. Sektor menentukan jenisnya: "
    "LSM-dunia usaha (K1), pemerintah-komunitas (K2), pendidikan-industri (K3), publik-swasta "
    "(K4), antarlembaga nirlaba (K5), dengan kelompok komunitas (K6); warga juga dapat menjadi "
    "relawan (K7). Kemitraan formal (D1) menghimpun anggaran tetap, membayar biaya tata kelola, "
    "dan berjalan untuk masa tertentu dengan denda keluar; kerja sama informal (D2) murah dan "
    "mudah ditinggalkan, anggota memberi sebesar kepercayaannya, dan manfaat yang diperoleh "
    "lebih kecil.",
    "mech_trust_title": "Bagaimana kepercayaan tumbuh dan runtuh (C2, C3, C5)",
    "mech_trust": "Para mitra mengamati apakah masing-masing menepati janji. Janji yang ditepati "
    "sedikit menaikkan kepercayaan (pembangunan kepercayaan); janji yang diingkari banyak "
    "menurunkannya, karena kepercayaan lebih cepat hilang daripada dibangun. Sebagian mitra "
    "ingkar janji (tingkat pengkhianatan); jarak budaya membuat perilaku baik tampak buruk (C3), "
    "dan LSM serta kelompok komunitas yang berebut hibah yang sama saling curiga (C5). Bila "
    "kepercayaan seorang anggota kepada yang lain turun di bawah ambang, ia keluar, dan "
    "kemitraan yang anggotanya terlalu sedikit akan bubar.",
    "mech_benefits_title": "Apa yang diberikan kemitraan (B1-B3, B6, B7)",
    "mech_benefits": "Dana, jaringan, dan keahlian yang dihimpun menjangkau lebih banyak orang "
    "(B1). Mitra dari sektor berbeda menemukan solusi yang lebih baik bersama (sinergi, B2). "
    "Pendataan kasus bersama mencegah dua penyedia melayani orang yang sama dua kali (B3). "
    "Keahlian gabungan meningkatkan mutu layanan (B6). Pengawasan mengurangi kelalaian dan "
    "kebocoran, dan kemitraan pemerintah-komunitas membuat instansi lebih akuntabel dan lebih "
    "tepat sasaran (B7).",
    "mech_community_title": "Warga, jejaring, dan partisipasi (A4, B4, B5, K7)",
    "mech_community": "Warga mendengar tentang layanan dari tetangga dan teman; kemitraan "
    "mempererat hubungan antarorganisasi dan mempercepat tersebarnya kabar (B4). Warga yang ikut "
    "serta dalam pengambilan keputusan dan pelaksanaan memperoleh manfaat lebih besar dari "
    "layanan yang sama (rasa memiliki, B5), dan sebagian dari mereka menjadi relawan (K7).",
    "mech_funding_title": "Pendanaan dan persaingan (C4, C5)",
    "mech_funding": "Pendapatan naik turun dari bulan ke bulan (ketidakstabilan pendanaan), dan "
    "LSM serta organisasi komunitas paling terpukul (C4). Sebagian dana berupa hibah yang harus "
    "diperebutkan, yang menguras tenaga dan merenggangkan hubungan mereka (C5). Tombol "
    "Pemotongan dana menghapus separuh pendapatan setiap sektor selama setahun.",
    "mech_governance_title": "Tata kelola dan kepemimpinan (C6, C7)",
    "mech_governance": "Kemitraan dijalankan dengan salah satu dari tiga cara (Provan dan Kenis): "
    "dikelola bersama oleh anggota (paling baik untuk sedikit anggota yang saling percaya), oleh "
    "organisasi pemimpin, atau oleh lembaga administrasi jaringan (untuk banyak anggota, dengan "
    "biaya tambahan). Adaptif memilih yang paling cocok. Pimpinan berganti dari waktu ke waktu "
    "(C7): pimpinan baru membawa prioritas baru dan para mitra kehilangan sebagian kepercayaan "
    "yang telah dibangun. Tombol Pergantian pimpinan mengganti pimpinan sepertiga dari seluruh "
    "organisasi sekaligus.",
    "mech_welfare_title": "Kesejahteraan dan ketahanan (Z1-Z3)",
    "mech_welfare": "Tanpa layanan, kesejahteraan terkikis setiap bulan karena kebutuhan baru "
    "muncul; setiap layanan menutup sebagian kekurangan itu, lebih besar bagi yang paling "
    "membutuhkan bila sasarannya tepat. Artikel-artikel itu menyatakan bahwa kemitraan "
    "meningkatkan kesejahteraan dan membuat masyarakat lebih tangguh (Z1), bahwa hasilnya "
    "bergantung pada cara tantangan ditangani (Z2), dan bahwa layanan menjangkau lebih luas dan "
    "lebih bermutu (Z3). Cobalah: setel laju bermitra ke 0, berikan guncangan, lalu bandingkan "
    "kurva kesejahteraannya dengan kota yang memiliki kemitraan.",
}

STRINGS: dict[str, dict[str, str]] = {"en": EN, "id": ID}

MECHANISMS: tuple[str, ...] = (
    "actors",
    "forming",
    "trust",
    "benefits",
    "community",
    "funding",
    "governance",
    "welfare",
)


def t(lang: str, key: str, **values: object) -> str:
    """The string for ``key`` in ``lang`` (English if missing there), formatted with values."""
    text = STRINGS.get(lang, EN).get(key) or EN.get(key) or key
    return text.format(**values) if values else text
