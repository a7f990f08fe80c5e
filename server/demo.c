/*
 * demo.c - `oficio demo` and the "fill with demo data" box of the first
 * administrator's setup: a small customer-service team of a shop, its
 * counter procedures and case lessons (Oficio's own words), so that every
 * page and report has something in it.
 *
 * What it makes: eight people (password demo1234), 25 pages in five
 * categories with revisions by different people (so authorship and the
 * bus factor mean something), owners and backups, the path "Primera
 * semana en caja" (given automatically to new staff), a planned
 * departure with a successor, open flags, a lesson that bent a rule and
 * challenges its procedure, a lesson waiting for review, searches that
 * found nothing, page views and read confirmations, one of them made
 * pending by a significant change.
 *
 * It refuses to run on a database that has pages. Each page is saved
 * through pages_save (its own transaction); the rest goes in one
 * transaction at the end.
 */
#include "auth.h"
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "onboarding.h"
#include "pages.h"
#include "role.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEMO_PASSWORD "demo1234"
#define DAY 86400

struct demo_user {
	const char *username, *name, *role, *what;
};

static const struct demo_user users[] = {
	{"carmen", "Carmen Navarro", "manager", "jefa de atención al cliente"},
	{"javier", "Javier Morales", "editor", "responsable de caja (se va: ver informe de traspaso)"},
	{"lucia", "Lucía Fernández", "editor", "coordinadora de devoluciones y garantías"},
	{"pedro", "Pedro Santos", "staff", "mostrador, turno de mañana"},
	{"ana", "Ana Ruiz", "staff", "mostrador y teléfono"},
	{"miguel", "Miguel Torres", "staff", "fines de semana"},
	{"sofia", "Sofía Delgado", "staff", "recién llegada: primera semana en caja"},
	{"raul", "Raúl Ortiz", "reader", "refuerzo de campaña (solo lectura)"},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

/* A page: its first text and up to two later additions, each by one
 * person; owner/backup by username (procedures). */
struct demo_page {
	const char *slug, *kind, *category, *title, *tags;
	const char *text[3];
	const char *by[3];
	const char *owner, *backup;
	int verified_days_ago;   /* -1: never verified */
};

static const struct demo_page pages[] = {
/* ---- Caja ---- */
{"apertura-de-caja", "procedure", "Caja", "Apertura de caja", "caja, turno",
 {"## Cuándo se aplica\n\n"
  "Al empezar el turno de mañana o cuando se abre una caja que estaba cerrada.\n\n"
  "## Pasos\n\n"
  "- [ ] Fichar y entrar en el terminal con tu usuario, nunca con el de otra persona.\n"
  "- [ ] Recoger el cajón con el fondo de cambio en la oficina (lo entrega quien cerró).\n"
  "- [ ] Contar el fondo delante de la cámara: debe haber **150 €**.\n"
  "- [ ] Anotar el recuento en la hoja de apertura y firmarla.\n"
  "- [ ] Encender el datáfono y hacer la prueba de conexión.\n"
  "- [ ] Comprobar que hay rollo de papel y bolsas.\n\n"
  "## Fondo de cambio\n\n"
  "| Moneda o billete | Cantidad | Total |\n"
  "|---|---:|---:|\n"
  "| Billetes de 10 € | 5 | 50 € |\n"
  "| Billetes de 5 € | 10 | 50 € |\n"
  "| Monedas de 2 € | 10 | 20 € |\n"
  "| Monedas de 1 € | 20 | 20 € |\n"
  "| Monedas de 0,50 € y menores | — | 10 € |\n\n"
  "## Si algo no cuadra\n\n"
  "Si el fondo no llega a 150 €, no abras la caja: avisa a quien esté de responsable y "
  "anótalo en la hoja. Para el final del día, sigue [[Cierre y arqueo de caja]].\n",
  "\n## Datáfono sin conexión\n\n"
  "Si la prueba de conexión falla dos veces, reinicia el datáfono (botón rojo 5 segundos). "
  "Si sigue sin conexión, coloca el cartel \"Hoy solo efectivo en esta caja\" y avisa a "
  "[[horario-y-contactos|mantenimiento]]. Ver también [[Pagos con tarjeta rechazados]].\n",
  NULL},
 {"javier", "lucia", NULL}, "javier", "lucia", 20},
{"cierre-y-arqueo-de-caja", "procedure", "Caja", "Cierre y arqueo de caja", "caja, turno, arqueo",
 {"## Cuándo se aplica\n\n"
  "Al terminar cada turno y siempre antes de entregar el cajón a otra persona.\n\n"
  "## Pasos\n\n"
  "- [ ] Sacar el informe Z del terminal (menú Caja → Cierre).\n"
  "- [ ] Separar el fondo de cambio de 150 € (ver [[Apertura de caja]]).\n"
  "- [ ] Contar el efectivo restante dos veces; la segunda, otra persona si es posible.\n"
  "- [ ] Sumar los justificantes del datáfono y compararlos con el informe Z.\n"
  "- [ ] Anotar la diferencia (aunque sea cero) en la hoja de arqueo.\n"
  "- [ ] Meter el efectivo en la bolsa precintada y anotar el número de precinto.\n\n"
  "## Diferencias\n\n"
  "| Diferencia | Qué hacer |\n"
  "|---|---|\n"
  "| Hasta 2 € | Anotarla; no hace falta avisar |\n"
  "| De 2 € a 20 € | Repetir el recuento y avisar a la responsable de turno |\n"
  "| Más de 20 € | No cerrar la bolsa; llamar a la responsable antes de irse |\n",
  NULL, NULL},
 {"javier", NULL, NULL}, "javier", NULL, 200},
{"pagos-con-tarjeta-rechazados", "procedure", "Caja", "Pagos con tarjeta rechazados", "caja, tarjeta, datáfono",
 {"## Cuándo se aplica\n\n"
  "Cuando el datáfono rechaza una tarjeta o el pago se queda a medias.\n\n"
  "## Pasos\n\n"
  "- [ ] Leer en voz baja el mensaje del datáfono; no digas \"no tiene saldo\".\n"
  "- [ ] Ofrecer repetir el pago una vez, con chip o sin contacto.\n"
  "- [ ] Si vuelve a fallar, ofrecer otra tarjeta, efectivo o Bizum a la cuenta de la tienda.\n"
  "- [ ] Si el cliente dice que le han cobrado, pedir el justificante de su banco y "
  "consultar el listado de operaciones del día antes de cobrar otra vez.\n\n"
  "## Nunca\n\n"
  "- Anotar el número de una tarjeta.\n"
  "- Cobrar dos veces \"por si acaso\": espera a ver el listado.\n",
  "\n## Tarjetas extranjeras\n\n"
  "Muchas tarjetas de fuera piden PIN aunque el importe sea pequeño. Si el cliente no lo "
  "recuerda, no insistas: ofrece efectivo o deja la compra reservada "
  "(ver [[Reservas de producto]]).\n",
  NULL},
 {"javier", "ana", NULL}, "javier", NULL, -1},
{"billetes-falsos-y-cambio", "procedure", "Caja", "Billetes dudosos y falta de cambio", "caja, efectivo",
 {"## Billete dudoso\n\n"
  "- [ ] Comprobar al tacto, a contraluz (marca de agua) y moviéndolo (holograma).\n"
  "- [ ] Pasarlo por el detector de la caja central.\n"
  "- [ ] Si sigue la duda, devolverlo con educación y pedir otro medio de pago.\n"
  "- [ ] No retener el billete ni acusar a nadie; anotar la hora en la hoja de incidencias.\n\n"
  "## Falta de cambio\n\n"
  "Pide cambio a la caja central antes de quedarte sin monedas de 1 € y 2 €. "
  "Nunca uses dinero propio para dar cambio.\n",
  NULL, NULL},
 {"javier", NULL, NULL}, "javier", NULL, 240},
{"vales-y-tarjetas-regalo", "procedure", "Caja", "Vales y tarjetas regalo", "caja, vales",
 {"## Vender una tarjeta regalo\n\n"
  "- [ ] Activarla en el terminal (menú Vales → Activar) por el importe pagado.\n"
  "- [ ] Entregar el ticket de activación junto con la tarjeta.\n\n"
  "## Cobrar con un vale\n\n"
  "- [ ] Escanear el código; el terminal dice el saldo.\n"
  "- [ ] Si el importe de la compra es menor, el resto queda en el vale.\n"
  "- [ ] Los vales por devolución caducan al año (ver [[Devolución con ticket]]).\n",
  "\n## Vale caducado\n\n"
  "Si caducó hace menos de un mes, la responsable de turno puede renovarlo una vez. "
  "Anotar el número del vale antiguo en el ticket nuevo.\n",
  NULL},
 {"lucia", "pedro", NULL}, "lucia", "javier", 60},
/* ---- Devoluciones ---- */
{"devolucion-con-ticket", "procedure", "Devoluciones", "Devolución con ticket", "devoluciones, ticket",
 {"## Cuándo se aplica\n\n"
  "El cliente trae el producto y el ticket de compra dentro de los **30 días** siguientes.\n\n"
  "## Pasos\n\n"
  "- [ ] Comprobar la fecha del ticket y que el producto es el mismo.\n"
  "- [ ] Revisar que está completo y sin usar (o con el defecto que el cliente indica).\n"
  "- [ ] Preguntar cómo quiere el reembolso: mismo medio de pago o vale.\n"
  "- [ ] Hacer la devolución en el terminal leyendo el código del ticket.\n"
  "- [ ] Si pagó con tarjeta, seguir [[Reembolso a tarjeta]].\n"
  "- [ ] Grapar el ticket original al justificante de devolución.\n\n"
  "## Excepciones\n\n"
  "- Sin ticket: [[Devolución sin ticket]].\n"
  "- Pasados los 30 días: [[Devolución fuera de plazo]].\n"
  "- Producto defectuoso: puede ser una garantía, ver [[Gestión de garantías]].\n",
  "\n## Productos que no se devuelven\n\n"
  "| Producto | Motivo |\n"
  "|---|---|\n"
  "| Ropa interior y bañadores | Higiene |\n"
  "| Productos personalizados | Hechos por encargo |\n"
  "| Tarjetas regalo | Son un medio de pago |\n",
  "\nSi el cliente insiste, no discutas: explica el motivo y ofrece la "
  "[[Hoja de reclamaciones]] si la pide.\n"},
 {"lucia", "pedro", "ana"}, "lucia", "pedro", 30},
{"devolucion-sin-ticket", "procedure", "Devoluciones", "Devolución sin ticket", "devoluciones",
 {"## Cuándo se aplica\n\n"
  "El cliente quiere devolver algo comprado aquí pero no tiene el ticket.\n\n"
  "## Pasos\n\n"
  "- [ ] Preguntar si pagó con tarjeta: con la fecha aproximada se encuentra la venta en el "
  "listado de operaciones.\n"
  "- [ ] Si aparece la venta, seguir [[Devolución con ticket]] con ese justificante.\n"
  "- [ ] Si no aparece, ofrecer solo un vale por el precio actual del producto.\n"
  "- [ ] Pedir nombre y DNI para el registro de devoluciones sin ticket.\n\n"
  "## Límite\n\n"
  "Como máximo **dos** devoluciones sin ticket por persona y año.\n",
  NULL, NULL},
 {"lucia", NULL, NULL}, "lucia", NULL, 90},
{"devolucion-fuera-de-plazo", "procedure", "Devoluciones", "Devolución fuera de plazo", "devoluciones, plazo, excepciones",
 {"## Cuándo se aplica\n\n"
  "Han pasado más de 30 días desde la compra.\n\n"
  "## Regla\n\n"
  "Fuera de plazo **no se devuelve el dinero**. Se puede ofrecer:\n\n"
  "- [ ] Un cambio por otro producto, si el producto está sin usar y con etiqueta.\n"
  "- [ ] Un vale, solo si la responsable de turno lo autoriza.\n\n"
  "## Cómo decirlo\n\n"
  "Explica la regla una vez, con calma, y pasa enseguida a lo que sí puedes ofrecer. "
  "Si el cliente no está de acuerdo, ver [[cliente-enfadado-en-mostrador|Cliente enfadado en el mostrador]].\n",
  NULL, NULL},
 {"javier", NULL, NULL}, "javier", NULL, 400},
{"reembolso-a-tarjeta", "procedure", "Devoluciones", "Reembolso a tarjeta", "devoluciones, tarjeta",
 {"## Pasos\n\n"
  "- [ ] Pedir la misma tarjeta con la que se pagó.\n"
  "- [ ] En el datáfono: Devolución → importe → pasar la tarjeta.\n"
  "- [ ] Entregar el justificante al cliente y explicar que el banco tarda de 3 a 5 días.\n\n"
  "## Si la tarjeta ya no existe\n\n"
  "Hacer el reembolso en vale o, con autorización de la responsable, por transferencia "
  "(formulario en la oficina).\n",
  NULL, NULL},
 {"lucia", NULL, NULL}, "lucia", "ana", 45},
/* ---- Garantías ---- */
{"gestion-de-garantias", "procedure", "Garantías", "Gestión de garantías", "garantías",
 {"## Cuándo se aplica\n\n"
  "Un producto falla dentro de los **3 años** de garantía legal.\n\n"
  "## Pasos\n\n"
  "- [ ] Pedir el ticket o buscar la venta (ver [[Devolución sin ticket]]).\n"
  "- [ ] Probar el producto delante del cliente y describir el fallo con sus palabras.\n"
  "- [ ] Rellenar la orden de reparación: datos, fallo, accesorios que se quedan.\n"
  "- [ ] Dar al cliente su copia con el número de orden.\n"
  "- [ ] Enviar el producto según [[reparaciones-en-servicio-tecnico|Reparaciones en el servicio técnico]].\n\n"
  "## Primeros 30 días\n\n"
  "Si falla en el primer mes, se cambia por uno nuevo sin pasar por el servicio técnico "
  "(ver [[producto-defectuoso-al-abrir|Producto defectuoso al abrirlo]]).\n",
  "\n## Plazos que damos al cliente\n\n"
  "| Tipo de producto | Plazo habitual |\n"
  "|---|---|\n"
  "| Pequeño electrodoméstico | 15 días |\n"
  "| Informática | 21 días |\n"
  "| Relojes | 30 días |\n",
  NULL},
 {"lucia", "javier", NULL}, "lucia", "javier", 150},
{"reparaciones-en-servicio-tecnico", "procedure", "Garantías", "Reparaciones en el servicio técnico", "garantías, reparaciones",
 {"## Envío\n\n"
  "- [ ] Embalar con la orden de reparación dentro de la caja.\n"
  "- [ ] Registrar el envío en la hoja de seguimiento con el número de orden.\n"
  "- [ ] Recogida de mensajería: martes y jueves.\n\n"
  "## Cuando vuelve\n\n"
  "- [ ] Comprobar que funciona antes de llamar al cliente.\n"
  "- [ ] Llamar y anotar la fecha de la llamada.\n"
  "- [ ] Guardar el producto 3 meses; pasado ese plazo, avisar a la responsable.\n",
  NULL, NULL},
 {"javier", NULL, NULL}, "javier", NULL, 300},
{"producto-defectuoso-al-abrir", "procedure", "Garantías", "Producto defectuoso al abrirlo", "garantías, cambio",
 {"## Cuándo se aplica\n\n"
  "El cliente abre el producto en casa y no funciona, dentro de los 30 días.\n\n"
  "## Pasos\n\n"
  "- [ ] Comprobar el fallo en el mostrador.\n"
  "- [ ] Cambiarlo por otro igual; si no hay, ofrecer reembolso o reserva.\n"
  "- [ ] Marcar el defectuoso con la etiqueta roja y dejarlo en la jaula de devoluciones.\n",
  "\n## Si no hay unidades\n\n"
  "Ofrecer [[reservas-de-producto|una reserva]] con aviso por teléfono cuando llegue, "
  "o el reembolso inmediato.\n",
  NULL},
 {"pedro", "lucia", NULL}, "lucia", NULL, 10},
/* ---- Reclamaciones ---- */
{"hoja-de-reclamaciones", "procedure", "Reclamaciones", "Hoja de reclamaciones", "reclamaciones, legal",
 {"## Lo que dice la ley\n\n"
  "Cualquier cliente puede pedir la hoja oficial de reclamaciones y hay que dársela "
  "**en el momento**, sin preguntar el motivo.\n\n"
  "## Pasos\n\n"
  "- [ ] Entregar el juego de hojas (tres copias) y un bolígrafo.\n"
  "- [ ] Rellenar los datos de la tienda que vienen en el sello.\n"
  "- [ ] Quedarse con la copia rosa; el cliente se lleva la blanca y la verde.\n"
  "- [ ] Escanear la copia rosa y enviarla a la jefa de atención al cliente ese mismo día.\n\n"
  "## Nunca\n\n"
  "- Negar la hoja o decir que no hay.\n"
  "- Escribir en la parte del cliente.\n",
  "\nLa respuesta al cliente la escribe la jefa de atención al cliente en un máximo de "
  "10 días. Si la reclamación trata de una devolución, adjuntar el ticket "
  "(ver [[Devolución con ticket]]).\n",
  NULL},
 {"carmen", "ana", NULL}, "carmen", "lucia", 100},
{"cliente-enfadado-en-mostrador", "procedure", "Reclamaciones", "Cliente enfadado en el mostrador", "reclamaciones, trato",
 {"## Pasos\n\n"
  "- [ ] Escuchar sin interrumpir; dejar que termine.\n"
  "- [ ] Resumir lo que has entendido: \"Entonces, el problema es...\".\n"
  "- [ ] Decir qué puedes hacer tú ahora mismo, no lo que no puedes.\n"
  "- [ ] Si no está en tu mano, llamar a la responsable y presentarle el caso delante del cliente.\n"
  "- [ ] Si pide la hoja de reclamaciones, dársela (ver [[Hoja de reclamaciones]]).\n\n"
  "## Si hay insultos o amenazas\n\n"
  "Avisa a seguridad con el pulsador y no respondas. Tu seguridad va primero.\n",
  "\n## Después\n\n"
  "Escribe una lección de caso si aprendiste algo que sirva a otros: "
  "qué pasó, qué hiciste y cómo acabó.\n",
  "\n## Frases que ayudan\n\n"
  "- \"Tiene razón en que esto no debería haber pasado.\"\n"
  "- \"Déjeme ver qué puedo hacer ahora mismo.\"\n"
  "- \"Voy a llamar a mi responsable para que lo resolvamos juntos.\"\n"},
 {"ana", "pedro", "miguel"}, "ana", "carmen", 50},
{"quejas-por-telefono-y-correo", "procedure", "Reclamaciones", "Quejas por teléfono y correo", "reclamaciones, teléfono",
 {"## Pasos\n\n"
  "- [ ] Anotar nombre, teléfono y el número de ticket o de orden.\n"
  "- [ ] Registrar la queja en la hoja de seguimiento de atención al cliente.\n"
  "- [ ] Responder en menos de 48 horas, aunque sea para decir que seguimos con ello.\n"
  "- [ ] Si es una reclamación formal, seguir [[Hoja de reclamaciones]].\n",
  NULL, NULL},
 {"ana", NULL, NULL}, "ana", NULL, 190},
/* ---- Reservas ---- */
{"reservas-de-producto", "procedure", "Reservas", "Reservas de producto", "reservas",
 {"## Cuándo se aplica\n\n"
  "El cliente quiere que le guardemos un producto que hay en tienda.\n\n"
  "## Pasos\n\n"
  "- [ ] Crear la reserva en el terminal (menú Reservas) con nombre y teléfono.\n"
  "- [ ] Pegar la etiqueta de reserva en el producto y dejarlo en la estantería de reservas.\n"
  "- [ ] Decir al cliente la fecha límite: **3 días** naturales.\n"
  "- [ ] Pasado el plazo, llamar una vez; si no contesta, devolver el producto a la venta.\n\n"
  "## Reservas con pago\n\n"
  "Si el producto no está en tienda y hay que pedirlo, es un encargo: "
  "ver [[Encargos con señal]].\n",
  "\n## Temporada alta\n\n"
  "En campaña de Navidad el plazo de reserva baja a **24 horas**. Avisa al cliente.\n",
  NULL},
 {"miguel", "pedro", NULL}, "miguel", "pedro", 70},
{"encargos-con-senal", "procedure", "Reservas", "Encargos con señal", "reservas, encargos",
 {"## Pasos\n\n"
  "- [ ] Confirmar con el proveedor el plazo de entrega antes de cobrar nada.\n"
  "- [ ] Cobrar una señal del 20 % (mínimo 10 €) y dar ticket de señal.\n"
  "- [ ] Registrar el encargo con el número de ticket de señal.\n"
  "- [ ] Cuando llegue, llamar al cliente y guardarlo 7 días.\n\n"
  "## Si el cliente cancela\n\n"
  "La señal se devuelve solo si el proveedor se retrasa más de lo prometido.\n",
  NULL, NULL},
 {"miguel", NULL, NULL}, "miguel", NULL, -1},
/* ---- Referencias ---- */
{"horario-y-contactos", "reference", "Caja", "Horario y contactos", "contactos",
 {"## Horario de la tienda\n\n"
  "| Día | Horario |\n"
  "|---|---|\n"
  "| Lunes a viernes | 10:00 – 21:00 |\n"
  "| Sábado | 10:00 – 22:00 |\n"
  "| Domingo | Cerrado (salvo campaña) |\n\n"
  "## Contactos\n\n"
  "- Mantenimiento: extensión 210.\n"
  "- Caja central: extensión 201.\n"
  "- Servicio técnico: extensión 230, de 9:00 a 14:00.\n"
  "- Seguridad: pulsador bajo el mostrador o extensión 999.\n",
  NULL, NULL},
 {"carmen", NULL, NULL}, NULL, NULL, 0},
{"glosario-de-caja", "reference", "Caja", "Glosario de caja", "caja, glosario",
 {"- **Informe Z**: el resumen de ventas que cierra el día en el terminal.\n"
  "- **Fondo de cambio**: el efectivo con el que se abre la caja (ver [[Apertura de caja]]).\n"
  "- **Arqueo**: contar lo que hay y compararlo con lo que debería haber.\n"
  "- **Precinto**: la bolsa numerada donde va el efectivo al cerrar.\n"
  "- **Jaula de devoluciones**: el armario cerrado donde esperan los productos devueltos.\n",
  NULL, NULL},
 {"javier", NULL, NULL}, NULL, NULL, 0},
/* ---- Lecciones ---- */
{"leccion-devolucion-fuera-de-plazo-cliente-habitual", "lesson", "Devoluciones",
 "Devolución a los 40 días a una clienta habitual", "devoluciones, excepciones",
 {"## Situación\n\n"
  "Una clienta que compra cada semana trajo una cafetera sin abrir 40 días después de "
  "comprarla: había estado ingresada en el hospital.\n\n"
  "## Qué hice\n\n"
  "Con permiso de Carmen le devolví el dinero a la tarjeta, aunque la regla solo permite "
  "cambio o vale fuera de plazo.\n\n"
  "## Resultado\n\n"
  "La clienta lo agradeció mucho y volvió esa misma semana.\n\n"
  "## Lo que aprendimos\n\n"
  "Quizá [[Devolución fuera de plazo]] debería prever casos justificados (hospital, "
  "viaje largo) con autorización de la responsable.\n",
  NULL, NULL},
 {"pedro", NULL, NULL}, NULL, NULL, 0},
{"leccion-billete-dudoso-en-hora-punta", "lesson", "Caja", "Un billete de 50 € dudoso en hora punta", "caja, efectivo",
 {"## Situación\n\n"
  "Sábado a las 19:00, cola larga, un cliente paga con un billete de 50 € que no se notaba bien al tacto.\n\n"
  "## Qué hice\n\n"
  "Le pedí con calma que esperara un momento y lo pasé por el detector de la caja central, "
  "como dice [[billetes-falsos-y-cambio|Billetes dudosos y falta de cambio]]. Era bueno; estaba muy gastado.\n\n"
  "## Lo que aprendimos\n\n"
  "Tener el detector en la caja 1 los sábados ahorraría viajes.\n",
  NULL, NULL},
 {"ana", NULL, NULL}, NULL, NULL, 0},
{"leccion-reserva-olvidada", "lesson", "Reservas", "Una reserva que se vendió por error", "reservas",
 {"## Situación\n\n"
  "Un compañero vendió un patinete que estaba reservado porque la etiqueta se había caído.\n\n"
  "## Qué hice\n\n"
  "Llamé al cliente antes de que viniera, le pedí disculpas y le ofrecí el modelo superior "
  "al mismo precio.\n\n"
  "## Lo que aprendimos\n\n"
  "La etiqueta debe ir con precinto, no con celo. Lo añadimos a [[Reservas de producto]].\n",
  NULL, NULL},
 {"miguel", NULL, NULL}, NULL, NULL, 0},
{"leccion-garantia-sin-ticket", "lesson", "Garantías", "Garantía sin ticket de un cliente de toda la vida", "garantías, excepciones",
 {"## Situación\n\n"
  "Un cliente trajo una batidora de hace dos años sin ticket y pagada en efectivo.\n\n"
  "## Qué hice\n\n"
  "Por el número de serie vimos que el lote se vendió aquí; abrí la orden de reparación "
  "sin ticket, con la autorización de Lucía.\n\n"
  "## Lo que aprendimos\n\n"
  "El número de serie sirve de prueba de compra cuando el lote es nuestro. Vale la pena "
  "escribirlo en [[Gestión de garantías]].\n",
  NULL, NULL},
 {"ana", NULL, NULL}, NULL, NULL, 0},
{"leccion-reclamacion-resuelta-con-vale", "lesson", "Reclamaciones", "Una reclamación que acabó bien", "reclamaciones",
 {"## Situación\n\n"
  "Un cliente pidió la hoja de reclamaciones porque su reparación tardó seis semanas.\n\n"
  "## Qué hice\n\n"
  "Le di la hoja en el momento ([[Hoja de reclamaciones]]) y, mientras la rellenaba, "
  "llamé al servicio técnico: el producto estaba listo desde hacía una semana.\n\n"
  "## Resultado\n\n"
  "Se lo llevamos a casa al día siguiente; retiró la reclamación.\n",
  NULL, NULL},
 {"pedro", NULL, NULL}, NULL, NULL, 0},
{"leccion-tarjeta-rechazada-turista", "lesson", "Caja", "Turista sin PIN en la tarjeta", "caja, tarjeta",
 {"## Situación\n\n"
  "Una turista no recordaba el PIN y la compra era de 300 €.\n\n"
  "## Qué hice\n\n"
  "Le guardé la compra un día ([[Reservas de producto]]) y volvió con efectivo.\n\n"
  "## Lo que aprendimos\n\n"
  "Conviene decirlo en [[Pagos con tarjeta rechazados]]: ya está añadido.\n",
  NULL, NULL},
 {"sofia", NULL, NULL}, NULL, NULL, 0},
};
#define NPAGES (sizeof(pages) / sizeof(pages[0]))

static long long uid_of(const long long *ids, const char *username)
{
	for (size_t i = 0; i < NUSERS; i++)
		if (username && strcmp(users[i].username, username) == 0)
			return ids[i];
	return 0;
}

static long long page_id(struct db *db, const char *slug)
{
	return pages_id(db, slug);
}

/* Save revision k of page p (text[0..k] joined) by its author. */
static int save(struct db *db, const struct demo_page *p, int k, const long long *ids,
		bool significant, const char *status)
{
	struct buf md = BUF_INIT;
	struct page_save in;
	struct save_result res;

	for (int i = 0; i <= k; i++)
		buf_puts(&md, p->text[i]);
	memset(&in, 0, sizeof(in));
	in.slug = p->slug;
	in.title = p->title;
	in.kind = k == 0 ? p->kind : NULL;
	in.category = k == 0 ? p->category : NULL;
	in.tags = k == 0 ? p->tags : NULL;
	in.markdown = md.data;
	in.comment = k == 0 ? "Primera versión" : "Ampliado con lo que pasa en el mostrador";
	in.status = status;
	in.base_rev = -1;
	in.author_id = uid_of(ids, p->by[k]);
	in.significant = significant;
	pages_save(db, &in, &res);
	buf_free(&md);
	if (res.status != SAVE_CREATED && res.status != SAVE_SAVED) {
		fprintf(stderr, "oficio: demo: cannot save %s (%d)\n", p->slug, res.status);
		return -1;
	}
	return 0;
}

static int exec_ll(struct db *db, const char *sql, long long a, long long b, long long c,
		   const char *t)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, a);
	db_bind_int(st, 2, b);
	db_bind_int(st, 3, c);
	db_bind_text(st, 4, t);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int ack(struct db *db, long long uid, const char *slug, int rev, int64_t at)
{
	sqlite3_stmt *st = db_stmt(db, "INSERT INTO acks(user_id, page_id, rev, at) "
				       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(user_id, page_id) "
				       "DO UPDATE SET rev = excluded.rev, at = excluded.at");
	int rc;

	if (!st)
		return -1;
	db_bind_int(st, 1, uid);
	db_bind_int(st, 2, page_id(db, slug));
	db_bind_int(st, 3, rev);
	db_bind_int(st, 4, at);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static bool has_pages(struct db *db)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT EXISTS (SELECT 1 FROM pages)");
	bool yes = true;

	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW)
			yes = sqlite3_column_int(st, 0) != 0;
		sqlite3_reset(st);
	}
	return yes;
}

/* The people: created with one shared hash (they all have the demo
 * password; hashing it once keeps the setup page quick). */
static int make_users(struct db *db, long long *ids)
{
	char *hash = auth_hash_password(DEMO_PASSWORD);
	int rc = -1;

	if (!hash)
		return -1;
	for (size_t i = 0; i < NUSERS; i++) {
		char name[48];
		/* The first administrator may well be called ana or pedro:
		 * the demo's person then takes the next free name (ana2). */
		ids[i] = auth_create_user(db, users[i].username, users[i].name,
					  role_parse(users[i].role), NULL);
		for (int k = 2; ids[i] == -2 && k <= 9; k++) {
			snprintf(name, sizeof(name), "%s%d", users[i].username, k);
			ids[i] = auth_create_user(db, name, users[i].name, role_parse(users[i].role),
						  NULL);
		}
		if (ids[i] == -2) {
			fprintf(stderr, "oficio: demo: user %s exists already\n", users[i].username);
			goto out;
		}
		if (ids[i] < 0 ||
		    exec_ll(db, "UPDATE users SET pw_hash = ?4 WHERE id = ?1", ids[i], 0, 0, hash) < 0)
			goto out;
	}
	rc = 0;
out:
	free(hash);
	return rc;
}

static const char *const zero_searches[] = {
	"devolver sin caja", "factura simplificada", "cambio de talla online", "bizum devolucion",
	"cheque regalo empresa", "devolver sin caja", "factura simplificada", "devolver sin caja",
	"pedido web recoger en tienda", "pedido web recoger en tienda", "garantia bateria movil",
	"factura simplificada", "devolver sin caja", "tax free turistas", "tax free turistas",
};

/* Everything but the pages, in one transaction. */
static int extras(struct db *db, const long long *ids, long long admin)
{
	int64_t now = db_now();
	long long carmen = uid_of(ids, "carmen"), javier = uid_of(ids, "javier"),
		  lucia = uid_of(ids, "lucia"), pedro = uid_of(ids, "pedro"),
		  ana = uid_of(ids, "ana"), miguel = uid_of(ids, "miguel"),
		  sofia = uid_of(ids, "sofia"), raul = uid_of(ids, "raul");
	static const char *const path_pages[] = {
		"apertura-de-caja", "cierre-y-arqueo-de-caja", "pagos-con-tarjeta-rechazados",
		"devolucion-con-ticket", "hoja-de-reclamaciones", "cliente-enfadado-en-mostrador"};
	static const int path_due[] = {1, 2, 3, 3, 5, 5};
	long long path;
	int rc = 0;

	(void)raul;
	if (db_begin(db) < 0)
		return -1;
	/* Dates: the pages were written months ago and verified at times. */
	for (size_t i = 0; i < NPAGES && rc == 0; i++) {
		const struct demo_page *p = &pages[i];
		long long id = page_id(db, p->slug);
		long long age = 200 + (long long)i * 11;
		rc |= exec_ll(db, "UPDATE pages SET created_at = ?2, updated_at = ?3 WHERE id = ?1",
			      id, now - age * DAY, now - (long long)(i % 9) * 3 * DAY, NULL);
		if (p->verified_days_ago >= 0 && strcmp(p->kind, "procedure") == 0)
			rc |= exec_ll(db, "UPDATE pages SET verified_at = ?2, verified_by = ?3 "
				      "WHERE id = ?1", id, now - (long long)p->verified_days_ago * DAY,
				      uid_of(ids, p->owner), NULL);
		else if (strcmp(p->kind, "procedure") == 0)
			rc |= exec_ll(db, "UPDATE pages SET verified_at = NULL, verified_by = NULL "
				      "WHERE id = ?1", id, 0, 0, NULL);
		if (p->owner)
			rc |= exec_ll(db, "UPDATE pages SET owner_id = ?2 WHERE id = ?1", id,
				      uid_of(ids, p->owner), 0, NULL);
		if (p->backup)
			rc |= exec_ll(db, "UPDATE pages SET backup_owner_id = ?2 WHERE id = ?1", id,
				      uid_of(ids, p->backup), 0, NULL);
	}
	/* A legal page everyone must confirm. */
	rc |= exec_ll(db, "UPDATE pages SET requires_ack = 1 WHERE id = ?1",
		      page_id(db, "hoja-de-reclamaciones"), 0, 0, NULL);
	/* The lesson that bent a rule, published, challenges its procedure. */
	rc |= exec_ll(db, "INSERT INTO lessons(page_id, procedure_id, bent_rule, rule, outcome, "
		      "happened_on) VALUES (?1, ?2, 1, ?4, 'positive', date(?3, 'unixepoch'))",
		      page_id(db, "leccion-devolucion-fuera-de-plazo-cliente-habitual"),
		      page_id(db, "devolucion-fuera-de-plazo"), now - 12 * DAY,
		      "Fuera de plazo no se devuelve el dinero");
	rc |= exec_ll(db, "INSERT INTO challenges(procedure_id, lesson_id, created_at) "
		      "VALUES (?1, ?2, ?3)", page_id(db, "devolucion-fuera-de-plazo"),
		      page_id(db, "leccion-devolucion-fuera-de-plazo-cliente-habitual"),
		      now - 10 * DAY, NULL);
	rc |= exec_ll(db, "INSERT INTO lessons(page_id, procedure_id, bent_rule, rule, outcome, "
		      "happened_on) VALUES (?1, ?2, 1, ?4, 'positive', date(?3, 'unixepoch'))",
		      page_id(db, "leccion-garantia-sin-ticket"), page_id(db, "gestion-de-garantias"),
		      now - 30 * DAY, "La garantía necesita el ticket");
	rc |= exec_ll(db, "INSERT INTO challenges(procedure_id, lesson_id, created_at, status, "
		      "decided_by, decided_at, reason) VALUES (?1, ?2, ?3, 'dismissed', "
		      "CAST(?4 AS INTEGER), ?3 + 86400, 'Ya lo cubre la búsqueda por número de serie')",
		      page_id(db, "gestion-de-garantias"), page_id(db, "leccion-garantia-sin-ticket"),
		      now - 25 * DAY, NULL);
	{
		char who[24];
		snprintf(who, sizeof(who), "%lld", lucia);
		rc |= exec_ll(db, "UPDATE challenges SET decided_by = CAST(?4 AS INTEGER) "
			      "WHERE status = 'dismissed'", 0, 0, 0, who);
	}
	static const char *const other_lessons[][2] = {
		{"leccion-billete-dudoso-en-hora-punta", "billetes-falsos-y-cambio"},
		{"leccion-reserva-olvidada", "reservas-de-producto"},
		{"leccion-reclamacion-resuelta-con-vale", "hoja-de-reclamaciones"},
		{"leccion-tarjeta-rechazada-turista", "pagos-con-tarjeta-rechazados"},
	};
	for (size_t i = 0; i < 4; i++)
		rc |= exec_ll(db, "INSERT INTO lessons(page_id, procedure_id, outcome, happened_on) "
			      "VALUES (?1, ?2, 'positive', date(?3, 'unixepoch'))",
			      page_id(db, other_lessons[i][0]), page_id(db, other_lessons[i][1]),
			      now - (long long)(i + 3) * 9 * DAY, NULL);
	/* Flags still open. */
	rc |= exec_ll(db, "INSERT INTO flags(page_id, user_id, reason, comment, rev, created_at) "
		      "VALUES (?1, ?2, 'outdated', ?4, 1, ?3)", page_id(db, "cierre-y-arqueo-de-caja"),
		      ana, now - 6 * DAY, "El menú del terminal nuevo ya no se llama Caja → Cierre, ahora es Fin de día.");
	rc |= exec_ll(db, "INSERT INTO flags(page_id, user_id, reason, comment, rev, created_at) "
		      "VALUES (?1, ?2, 'unclear', ?4, 1, ?3)", page_id(db, "encargos-con-senal"),
		      pedro, now - 3 * DAY, "¿La señal mínima de 10 € vale también para encargos de menos de 50 €?");
	/* The path, given automatically to new staff. */
	rc |= exec_ll(db, "INSERT INTO paths(title, description, auto_role, created_by, created_at) "
		      "VALUES ('Primera semana en caja', ?4, 'staff', ?1, ?2)", carmen,
		      now - 40 * DAY, 0,
		      "Lo imprescindible para atender la caja sola a partir del viernes: abrir, "
		      "cerrar, cobrar, devolver y atender una queja.");
	path = sqlite3_last_insert_rowid(db_handle(db));
	for (size_t i = 0; i < 6; i++)
		rc |= exec_ll(db, "INSERT INTO path_items(path_id, pos, page_id, due_days) "
			      "VALUES (?1, ?2, ?3, CAST(?4 AS INTEGER))", path, (long long)i + 1,
			      page_id(db, path_pages[i]), path_due[i] == 1 ? "1" : path_due[i] == 2 ? "2"
			      : path_due[i] == 3 ? "3" : "5");
	{
		char at[24];
		snprintf(at, sizeof(at), "%lld", (long long)(now - 4 * DAY));
		rc |= exec_ll(db, "INSERT INTO assignments(path_id, user_id, assigned_by, assigned_at) "
			      "VALUES (?1, ?2, ?3, CAST(?4 AS INTEGER))", path, sofia, carmen, at);
		snprintf(at, sizeof(at), "%lld", (long long)(now - 60 * DAY));
		rc |= exec_ll(db, "INSERT INTO assignments(path_id, user_id, assigned_by, assigned_at) "
			      "VALUES (?1, ?2, ?3, CAST(?4 AS INTEGER))", path, miguel, carmen, at);
	}
	/* Confirmations: Miguel finished the path long ago; Sofía is halfway. */
	for (size_t i = 0; i < 6; i++)
		rc |= ack(db, miguel, path_pages[i], 1, now - 50 * DAY);
	rc |= ack(db, sofia, "cierre-y-arqueo-de-caja", 1, now - 2 * DAY);
	rc |= ack(db, sofia, "pagos-con-tarjeta-rechazados", 2, now - 1 * DAY);
	rc |= ack(db, pedro, "hoja-de-reclamaciones", 2, now - 20 * DAY);
	rc |= ack(db, ana, "hoja-de-reclamaciones", 2, now - 15 * DAY);
	rc |= ack(db, lucia, "devolucion-con-ticket", 3, now - 5 * DAY);
	/* The departure: Javier leaves in a month, Lucía takes over. */
	{
		char d[16];
		time_t t = (time_t)(now + 30 * DAY);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(d, sizeof(d), "%Y-%m-%d", &tm);
		rc |= exec_ll(db, "UPDATE users SET departs_on = ?4, successor_id = ?2 WHERE id = ?1",
			      javier, lucia, 0, d);
	}
	/* Searches that found nothing (and some that did), over ten weeks. */
	for (size_t i = 0; i < sizeof(zero_searches) / sizeof(*zero_searches); i++)
		rc |= exec_ll(db, "INSERT INTO search_log(at, query, hits) VALUES (?1, ?4, 0)",
			      now - (long long)(i * 5 + 1) * DAY, 0, 0, zero_searches[i]);
	for (long long i = 0; i < 40; i++)
		rc |= exec_ll(db, "INSERT INTO search_log(at, query, hits) VALUES (?1, ?4, ?2)",
			      now - (i * 2 + 1) * DAY, 1 + i % 4, 0,
			      i % 3 == 0 ? "devolucion" : i % 3 == 1 ? "arqueo" : "garantia");
	/* Page views, as if flushed by a running server. */
	for (size_t i = 0; i < NPAGES; i++)
		rc |= exec_ll(db, "INSERT INTO page_views(page_id, views) VALUES (?1, ?2)",
			      page_id(db, pages[i].slug), (long long)((NPAGES - i) * 37 % 400 + 12), 0, NULL);
	rc |= exec_ll(db, "INSERT INTO audit(at, user_id, action, target, detail) "
		      "VALUES (?1, ?2, 'demo.seed', '', ?4)", now, admin, 0, "datos de ejemplo");
	if (rc != 0) {
		fprintf(stderr, "oficio: demo: %s\n", db_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return db_commit(db);
}

int demo_seed(struct db *db, long long admin_uid)
{
	long long ids[NUSERS];

	if (has_pages(db)) {
		fprintf(stderr, "oficio: demo: this database has pages already; the demo fills only "
				"a new, empty instance\n");
		return -1;
	}
	if (make_users(db, ids) < 0)
		return -1;
	/* First versions, then the additions by others, so that pages carry
	 * several authors. Sofía's confirmation of "Apertura de caja" comes
	 * before Lucía's significant change: it is pending again. */
	for (size_t i = 0; i < NPAGES; i++)
		if (save(db, &pages[i], 0, ids, false, "published") < 0)
			return -1;
	if (ack(db, uid_of(ids, "sofia"), "apertura-de-caja", 1, db_now() - 3 * DAY) < 0)
		return -1;
	for (int k = 1; k < 3; k++)
		for (size_t i = 0; i < NPAGES; i++)
			if (pages[i].text[k] &&
			    save(db, &pages[i], k, ids, strcmp(pages[i].slug, "apertura-de-caja") == 0,
				 "published") < 0)
				return -1;
	{
		/* A lesson waiting for review. */
		struct page_save in;
		struct save_result res;
		memset(&in, 0, sizeof(in));
		in.slug = "leccion-cliente-sin-caja-original";
		in.title = "Un cliente quería devolver un secador sin la caja";
		in.kind = "lesson";
		in.category = "Devoluciones";
		in.markdown = "## Situación\n\nEl cliente había tirado la caja del secador, que estaba "
			      "sin usar.\n\n## Qué hice\n\nNo sabía si aceptarlo; lo consulté con Lucía "
			      "y se le dio un vale.\n\n## Lo que aprendimos\n\nNadie sabía qué dice "
			      "[[Devolución con ticket]] de los productos sin embalaje: falta ese caso.\n";
		in.status = "in_review";
		in.base_rev = 0;
		in.author_id = uid_of(ids, "sofia");
		pages_save(db, &in, &res);
		if (res.status != SAVE_CREATED)
			return -1;
	}
	return extras(db, ids, admin_uid);
}

/* The login a demo person got (make_users): the newest user with its
 * full name whose login starts with the demo's. Valid until the next
 * call. */
static const char *login_of(struct db *db, const struct demo_user *u)
{
	static char name[48];
	sqlite3_stmt *st = db_stmt(db, "SELECT username FROM users WHERE display_name = ?1"
				       " AND substr(username, 1, length(?2)) = ?2"
				       " ORDER BY id DESC LIMIT 1");

	snprintf(name, sizeof(name), "%s", u->username);
	if (st) {
		db_bind_text(st, 1, u->name);
		db_bind_text(st, 2, u->username);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(name, sizeof(name), "%s", db_col_text(st, 0));
		sqlite3_reset(st);
	}
	return name;
}

int cli_demo(struct db *db)
{
	long long admin = 0;
	sqlite3_stmt *st;

	if (has_pages(db)) {
		fprintf(stderr, "oficio: demo: this database has pages already; the demo fills only "
				"a new, empty instance (use another --db)\n");
		return 1;
	}
	st = db_stmt(db, "SELECT id FROM users WHERE role = 'admin' AND active = 1 ORDER BY id LIMIT 1");
	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW)
			admin = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (!admin) {
		admin = auth_create_user(db, "admin", "Administración", ROLE_ADMIN, DEMO_PASSWORD);
		if (admin < 0) {
			fprintf(stderr, "oficio: demo: cannot create the user admin\n");
			return 1;
		}
	}
	if (demo_seed(db, admin) < 0)
		return 1;
	cli_audit(db, "demo", "", "");
	printf("Demo data added: %zu pages, a path, reports with data.\n", NPAGES + 1);
	printf("Every demo user's password is: %s\n\n", DEMO_PASSWORD);
	printf("  %-8s %-8s %s\n", "user", "role", "who");
	/* Names last: printf pads bytes, not letters, and they have accents. */
	for (size_t i = 0; i < NUSERS; i++)
		printf("  %-8s %-8s %s, %s\n", login_of(db, &users[i]), users[i].role, users[i].name,
		       users[i].what);
	printf("\nAdministrators keep their own password (a new one made here is admin / %s).\n",
	       DEMO_PASSWORD);
	return 0;
}
